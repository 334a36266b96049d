import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareRequests } from '../../src/requests';

const user = (content: string) => ({ role: 'user' as const, content });

describe('prepareRequests', () => {
  it('gives bare message lists default IDs and keeps custom ones', () => {
    const { requests, problems } = prepareRequests([[user('a')], { customId: 'mine', messages: [user('b')] }, { messages: [user('c')] }]);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      requests.map((r) => r.customId),
      ['request-0', 'mine', 'request-2'],
    );
  });

  it('lists every problem, each naming the request', () => {
    const { problems } = prepareRequests([
      [{ role: 'system', content: 'x' }],
      [{ role: 'tool', content: 'x' }],
      { customId: 'd', messages: [user('1')] },
      { customId: 'd', messages: [user('2')] },
      { customId: '', messages: [user('3')] },
      'just a string',
      [user('   ')],
      [{ role: 'user', content: 42 }],
    ]);
    assert.deepEqual(problems, [
      'request 0 ("request-0"): has no user message with content; every request needs one',
      'request 1 ("request-1"): message 0 has unknown role "tool" (use system, user or assistant)',
      'request 3: duplicate customId "d" (also used by request 2)',
      'request 4: customId must be a non-empty string',
      'request 5 ("request-5"): must be a list of messages, or { customId?, messages: [...] }',
      'request 6 ("request-6"): has no user message with content; every request needs one',
      'request 7 ("request-7"): message 0 content must be a string',
    ]);
  });

  it('rejects an empty or non-array request list', () => {
    assert.deepEqual(prepareRequests([]).problems, ['requests is empty: a job needs at least one request']);
    assert.deepEqual(prepareRequests({}).problems, ['requests must be an array of chat requests']);
  });

  it('caps the problem list', () => {
    const { problems } = prepareRequests(Array.from({ length: 50 }, () => [{ role: 'x', content: '' }]));
    assert.equal(problems.length, 21);
    assert.equal(problems[20], '... and 30 more problems');
  });
});
