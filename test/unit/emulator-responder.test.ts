/** The emulator's deterministic "model": schema-valid answers drawn from the last user message. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerFor, mismatchFor, notJsonFor, truncate } from '../../src/emulator/responder';
import type { ChatMessage } from '../../src/types';

const user = (content: string): ChatMessage[] => [
  { role: 'system', content: 'Extract the person as JSON.' },
  { role: 'user', content },
];
const answer = (content: string, schema?: Record<string, unknown>) => JSON.parse(answerFor(user(content), schema));

const PERSON = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' }, email: { type: 'string', format: 'email' } },
  required: ['name', 'age', 'email'],
  additionalProperties: false,
};

describe('emulator responder', () => {
  it('extracts name, age and email for the three reference sentences', () => {
    assert.equal(
      answerFor(user('John Doe is 25 years old and his email is john@example.com'), PERSON),
      '{"name":"John Doe","age":25,"email":"john@example.com"}',
    );
    assert.deepEqual(answer('Jane Smith, age 30, can be reached at jane.smith@company.com', PERSON), {
      name: 'Jane Smith',
      age: 30,
      email: 'jane.smith@company.com',
    });
    assert.deepEqual(answer('Bob Wilson (bob.wilson@email.com) is 28 years old', PERSON), {
      name: 'Bob Wilson',
      age: 28,
      email: 'bob.wilson@email.com',
    });
  });

  it('reads only the last user message', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Old Person is 99, old@example.com' },
      { role: 'assistant', content: '{}' },
      { role: 'user', content: 'New Person is 7, new@example.com' },
    ];
    assert.deepEqual(JSON.parse(answerFor(messages, PERSON)), { name: 'New Person', age: 7, email: 'new@example.com' });
  });

  it('handles $ref/$defs, nested objects, arrays with minItems, enums, nullable and bounds', () => {
    const schema = {
      type: 'object',
      $defs: {
        contact: {
          type: 'object',
          properties: { email: { type: 'string' }, verified: { type: 'boolean' } },
          required: ['email', 'verified'],
          additionalProperties: false,
        },
      },
      properties: {
        fullName: { type: 'string' },
        firstName: { type: 'string' },
        level: { type: 'integer', minimum: 1, maximum: 10 },
        score: { type: 'number' },
        contact: { $ref: '#/$defs/contact' },
        tags: { type: 'array', items: { type: 'string', enum: ['vip', 'new'] }, minItems: 2 },
        nickname: { anyOf: [{ type: 'null' }, { type: 'string' }] },
        middle: { type: ['string', 'null'], maxLength: 5 },
      },
      required: ['fullName', 'firstName', 'level', 'score', 'contact', 'tags', 'nickname', 'middle'],
      additionalProperties: false,
    };
    const out = answer('Mary Ann Jones scored 42.5 at level 3; mail mary@jones.io', schema);
    assert.equal(out.fullName, 'Mary Ann Jones');
    assert.equal(out.firstName, 'Mary');
    assert.equal(out.level, 3, '42.5 is out of [1,10], so the next number in range is used');
    assert.equal(out.score, 42.5);
    assert.deepEqual(out.contact, { email: 'mary@jones.io', verified: false });
    assert.deepEqual(out.tags, ['vip', 'vip']);
    assert.equal(typeof out.nickname, 'string');
    assert.ok(typeof out.middle === 'string' && out.middle.length <= 5);
    assert.deepEqual(Object.keys(out), schema.required, 'exactly the declared keys');
  });

  it('is deterministic and answers plain text without a schema', () => {
    const a = answerFor(user('Summarise: the cat sat on the mat. Then it left.'));
    assert.equal(a, answerFor(user('Summarise: the cat sat on the mat. Then it left.')));
    assert.throws(() => JSON.parse(a));
    assert.match(a, /cat sat on the mat/);
  });

  it('fault texts: mismatch breaks the first required property, not-JSON and truncation do not parse', () => {
    const text = 'John Doe is 25 years old and his email is john@example.com';
    const mismatch = JSON.parse(mismatchFor(user(text), PERSON));
    assert.equal(typeof mismatch.name, 'number');
    assert.equal(mismatch.age, 25);
    assert.deepEqual(JSON.parse(mismatchFor(user('x'), { type: 'string' })), 12345);
    assert.throws(() => JSON.parse(notJsonFor(user(text))));
    const full = answerFor(user(text), PERSON);
    const cut = truncate(full);
    assert.ok(full.startsWith(cut) && cut.length < full.length);
    assert.throws(() => JSON.parse(cut));
    assert.throws(() => JSON.parse(truncate('12345')), 'a cut number must not still parse');
  });
});
