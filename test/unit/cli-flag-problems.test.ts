import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { inFlagTerms } from '../../src/cli/flag-problems';
import { RequestLines, readRequests } from '../../src/cli/read-requests';
import { allStartProblems, planStart, type RawStartFlags } from '../../src/cli/start-flags';
import { exampleSchemas } from '../../src/examples';

const base: RawStartFlags = { requests: '-', schema: 'User', provider: 'openai', model: 'gpt-4o-mini' };

async function requestsFile(lines: string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'cli-flags-')), 'requests.jsonl');
  await writeFile(path, lines);
  return path;
}

const ok = (customId: string) => JSON.stringify({ customId, messages: [{ role: 'user', content: 'hi' }] });

describe('start flags in flag terms', () => {
  it('names --poll-max and the defaulted --poll with their values, not timing.pollMaxMs', async () => {
    const plan = await planStart({ ...base, pollMax: '1000' }, exampleSchemas);
    assert.deepEqual(plan.problems, ['--poll-max (1000 ms) must be at least --poll (30000 ms, the default)']);
    const both = await planStart({ ...base, poll: '5000', pollMax: '1000' }, exampleSchemas);
    assert.deepEqual(both.problems, ['--poll-max (1000 ms) must be at least --poll (5000 ms)']);
  });

  it('lists every flag problem at once, numbers that do not parse included', async () => {
    const plan = await planStart(
      { ...base, schema: 'Nope', model: '', maxAttempts: '0', maxTokens: 'lots', temperature: '3', poll: '5', requests: '/no/such/file' },
      exampleSchemas,
    );
    assert.deepEqual(plan.problems, [
      '--max-tokens (lots) must be a whole number',
      '--schema Nope: no such schema (have: User; --schemas MODULE loads others)',
      '--requests /no/such/file: no such file',
      '--model is required (e.g. gpt-4o-mini)',
      '--max-attempts (0) must be a whole number >= 1',
      '--temperature (3) must be between 0 and 2',
      '--poll (5 ms) must be at least 10 ms',
    ]);
  });

  it('a duplicate ID in the file does not hide --max-attempts 0: both are reported, by line', async () => {
    // A byte-order mark and a blank line: the line numbers are the file's, not the request's index.
    const path = await requestsFile(`\uFEFF${ok('a')}\n\n${ok('a')}\n`);
    const plan = await planStart({ ...base, requests: path, maxAttempts: '0' }, exampleSchemas);
    assert.deepEqual(await allStartProblems(plan), [
      '--max-attempts (0) must be a whole number >= 1',
      `${path} line 3: duplicate customId "a" (also on line 1)`,
    ]);
  });

  it('good flags have no problems, and a BOM-prefixed file reads', async () => {
    const path = await requestsFile(`\uFEFF${ok('a')}\r\n${ok('b')}\r\n`);
    const plan = await planStart({ ...base, requests: path, maxAttempts: '2', poll: '100', pollMax: '400' }, exampleSchemas);
    assert.deepEqual(plan.problems, []);
    assert.deepEqual(plan.timing, { pollInitialMs: 100, pollMaxMs: 400 });
    const read = [];
    for await (const r of readRequests(path)) read.push(r);
    assert.equal(read.length, 2);
  });

  it('rewrites API messages and leaves other text alone', () => {
    const flags = { requests: '-', maxAttempts: 0 };
    assert.equal(inFlagTerms('maxAttempts must be a whole number >= 1', flags), '--max-attempts (0) must be a whole number >= 1');
    assert.equal(
      inFlagTerms('requests is empty: a job needs at least one request', flags),
      '--requests stdin: has no requests (a job needs at least one)',
    );
    assert.equal(inFlagTerms('job ID "-x" must be 1-200 characters', flags), '--job-id "-x" must be 1-200 characters');
    assert.equal(
      inFlagTerms('request "a b" is 300000 bytes; openai takes at most 200000 per batch', flags),
      'stdin: request "a b" is 300000 bytes; openai takes at most 200000 per batch',
    );
    const lines = new RequestLines();
    lines.record(0, 1);
    lines.record(1, 4);
    assert.equal(
      inFlagTerms('request 1 ("b"): message 0 content must be a string', flags, lines),
      'stdin line 4 ("b"): message 0 content must be a string',
    );
    assert.equal(inFlagTerms('schema "X" cannot become JSON Schema', flags), 'schema "X" cannot become JSON Schema');
  });
});
