/** The emulator's deterministic "model": schema-valid answers drawn from the last user message. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { answerFor, mismatchFor, notJsonFor, truncate } from '../../src/emulator/responder';
import { toCanonicalJsonSchema } from '../../src/schema';
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

  it('takes numbers that stand on their own, not digits inside words', () => {
    assert.equal(answer('Agent R2D2 (unit7@example.com) is 20 years old', PERSON).age, 20);
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
  it('answers within exclusive bounds and on multipleOf, with or without numbers in the message', () => {
    const schema = z.object({
      above: z.number().gt(5),
      below: z.number().lt(-5),
      count: z.int().gt(5),
      ratio: z.number().gt(5).lt(6),
      tenths: z.number().multipleOf(0.1).gt(0.25),
      weeks: z.int().multipleOf(7).gte(10),
      both: z.int().multipleOf(4).multipleOf(6).positive(),
      debit: z.number().multipleOf(3).lt(0),
      big: z.number().gt(1e20),
    });
    const json = toCanonicalJsonSchema(schema);
    for (const text of ['No numbers here at all.', 'Values: 5, 3, 0.3, 14, 24, -9, 6.5 and 2']) {
      const out = answer(text, json);
      const check = schema.safeParse(out);
      assert.ok(check.success, `${text} -> ${JSON.stringify(out)}: ${JSON.stringify(check.error?.issues)}`);
    }
    const fallback = answer('No numbers here at all.', json);
    assert.equal(fallback.above, 6, 'one whole step above an exclusive bound');
    assert.equal(fallback.ratio, 5.5, 'the middle of a narrow two-sided range');
    assert.equal(fallback.tenths, 1.3);
  });

  it('matches `pattern`: the drawn value, a piece of the message, or a string built from the regex', () => {
    const schema = z.object({
      currency: z.string().regex(/^[A-Z]{3}$/),
      day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
      ref: z.string().regex(/^[A-Z]{2}-\d{4}$/),
      lower: z
        .string()
        .regex(/^[a-z]+$/)
        .regex(/^.{5,}$/),
      file: z.string().endsWith('.pdf'),
      clock: z.iso.time(),
      email: z.email(),
    });
    const json = toCanonicalJsonSchema(schema);
    const out = answer('Paid 12 EUR on 2024-03-05 by Jane Smith, jane@x.io', json);
    assert.deepEqual(schema.safeParse(out).error?.issues, undefined);
    assert.equal(out.currency, 'EUR', 'taken from the message');
    assert.equal(out.day, '2024-03-05');
    assert.match(out.ref, /^[A-Z]{2}-\d{4}$/, 'built from the regex');
    assert.deepEqual(answer('Paid 12 EUR on 2024-03-05 by Jane Smith, jane@x.io', json), out, 'the same answer every time');
    assert.equal(out.email, 'jane@x.io');
  });

  it('builds backreferences, and keeps the drawn value when no string can satisfy a pattern', () => {
    const twin = answer('Nothing fits here.', { type: 'object', properties: { twin: { type: 'string', pattern: '^(ab)\\1$' } } });
    assert.equal(twin.twin, 'abab');
    // Lookaheads asking for a digit in a string of lowercase letters: nothing matches.
    const never = answer('Nothing fits here.', { type: 'object', properties: { no: { type: 'string', pattern: '^(?=.*\\d)[a-z]+$' } } });
    assert.equal(never.no, 'Nothing fits here.');
  });
});
