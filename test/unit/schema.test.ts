import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { decodeStructured, SchemaConversionError, toCanonicalJsonSchema, toOpenAIStrictSchema } from '../../src/schema';

describe('zod -> JSON Schema -> OpenAI strict dialect', () => {
  const Profile = z.object({
    name: z.string(),
    nick: z.string().optional(),
    email: z.string().email(),
    age: z.number().int(),
    address: z.object({ city: z.string(), zip: z.string().optional() }).nullable(),
    tags: z.array(z.object({ label: z.string(), weight: z.number().optional() })),
    kind: z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]),
  });

  it('makes every property required, optionals nullable, and closes every object', () => {
    const strict = toOpenAIStrictSchema(toCanonicalJsonSchema(Profile, 'Profile')) as any;
    assert.deepEqual(strict.required, ['name', 'nick', 'email', 'age', 'address', 'tags', 'kind']);
    assert.equal(strict.additionalProperties, false);
    assert.deepEqual(strict.properties.nick, { anyOf: [{ type: 'string' }, { type: 'null' }] });
    assert.equal(strict.properties.email.format, 'email');
    assert.equal(strict.properties.email.pattern, undefined, 'format kept, zod regex dropped');
    assert.equal(strict.properties.age.minimum, undefined, 'safe-integer bounds are noise');
    const address = strict.properties.address.anyOf[0];
    assert.deepEqual(address.required, ['city', 'zip']);
    assert.equal(address.additionalProperties, false);
    assert.deepEqual(strict.properties.tags.items.required, ['label', 'weight']);
    assert.ok(strict.properties.kind.anyOf.every((b: any) => b.additionalProperties === false));
  });

  it('rejects schemas that cannot become JSON Schema, with the reason', () => {
    assert.throws(() => toCanonicalJsonSchema(z.object({ at: z.date() }), 'Event'), (e: Error) =>
      e instanceof SchemaConversionError && /schema "Event" cannot become JSON Schema: Date/.test(e.message));
    assert.throws(() => toCanonicalJsonSchema(z.object({ n: z.string().transform(Number) })), /Transforms cannot be represented/);
    assert.throws(() => toCanonicalJsonSchema(z.string(), 'S'), /must be a z.object/);
    assert.throws(() => toOpenAIStrictSchema(toCanonicalJsonSchema(z.object({ m: z.record(z.string(), z.number()) }))), /records/);
  });

  it('decodes strict answers back through the same zod schema', () => {
    const canonical = toCanonicalJsonSchema(Profile);
    const answer = {
      name: 'Ann', nick: null, email: 'ann@example.com', age: 41,
      address: { city: 'Oslo', zip: null }, tags: [{ label: 'x', weight: null }], kind: { a: 'y' },
    };
    const decoded = decodeStructured(JSON.stringify(answer), Profile, canonical);
    assert.deepEqual(decoded, {
      ok: true,
      data: { name: 'Ann', email: 'ann@example.com', age: 41, address: { city: 'Oslo' }, tags: [{ label: 'x' }], kind: { a: 'y' } },
    });
  });

  it('classifies invalid JSON and schema mismatches', () => {
    const canonical = toCanonicalJsonSchema(Profile);
    const bad = decodeStructured('{"name": "Ann", ', Profile, canonical);
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.type, 'invalid_json');
    const wrong = decodeStructured(JSON.stringify({ name: 3 }), Profile, canonical);
    assert.equal(!wrong.ok && wrong.type, 'schema_mismatch');
    assert.match(!wrong.ok ? wrong.message : '', /name/);
  });
});
