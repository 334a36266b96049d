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
    assert.throws(
      () => toCanonicalJsonSchema(z.object({ at: z.date() }), 'Event'),
      (e: Error) => e instanceof SchemaConversionError && /schema "Event" cannot become JSON Schema: Date/.test(e.message),
    );
    assert.throws(() => toCanonicalJsonSchema(z.object({ n: z.string().transform(Number) })), /Transforms cannot be represented/);
    assert.throws(() => toCanonicalJsonSchema(z.string(), 'S'), /must be a z.object/);
    assert.throws(() => toOpenAIStrictSchema(toCanonicalJsonSchema(z.object({ m: z.record(z.string(), z.number()) }))), /records/);
  });

  it('decodes strict answers back through the same zod schema', () => {
    const canonical = toCanonicalJsonSchema(Profile);
    const answer = {
      name: 'Ann',
      nick: null,
      email: 'ann@example.com',
      age: 41,
      address: { city: 'Oslo', zip: null },
      tags: [{ label: 'x', weight: null }],
      kind: { a: 'y' },
    };
    const decoded = decodeStructured(JSON.stringify(answer), Profile, canonical);
    assert.deepEqual(decoded, {
      ok: true,
      data: { name: 'Ann', email: 'ann@example.com', age: 41, address: { city: 'Oslo' }, tags: [{ label: 'x' }], kind: { a: 'y' } },
    });
  });

  /** Encodes the answer as a strict-mode model would send it and decodes it as the worker does. */
  function decode(schema: z.ZodObject, answer: unknown) {
    return decodeStructured(JSON.stringify(answer), schema, toCanonicalJsonSchema(schema));
  }

  it('drops strict-mode nulls according to the union branch the answer matches, not only the first', () => {
    const S = z.object({
      u: z.union([z.object({ k: z.literal('a'), x: z.string().optional() }), z.object({ k: z.literal('b'), y: z.number().optional() })]),
    });
    assert.deepEqual(decode(S, { u: { k: 'b', y: null } }), { ok: true, data: { u: { k: 'b' } } });
    assert.deepEqual(decode(S, { u: { k: 'b', y: 2 } }), { ok: true, data: { u: { k: 'b', y: 2 } } });
    assert.deepEqual(decode(S, { u: { k: 'a', x: null } }), { ok: true, data: { u: { k: 'a' } } });
    assert.deepEqual(decode(S, { u: { k: 'a', x: 'hi' } }), { ok: true, data: { u: { k: 'a', x: 'hi' } } });
    const wrong = decode(S, { u: { k: 'c', y: null } });
    assert.equal(!wrong.ok && wrong.type, 'schema_mismatch');
  });

  it('handles discriminated unions, including nested ones', () => {
    const Shape = z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('circle'), r: z.number(), label: z.string().optional() }),
      z.object({
        kind: z.literal('rect'),
        w: z.number(),
        h: z.number().optional(),
        inner: z
          .discriminatedUnion('t', [
            z.object({ t: z.literal('x'), note: z.string().optional() }),
            z.object({ t: z.literal('y'), size: z.number().optional() }),
          ])
          .optional(),
      }),
    ]);
    const S = z.object({ shape: Shape });
    assert.deepEqual(decode(S, { shape: { kind: 'circle', r: 1, label: null } }), { ok: true, data: { shape: { kind: 'circle', r: 1 } } });
    assert.deepEqual(decode(S, { shape: { kind: 'rect', w: 2, h: null, inner: { t: 'y', size: null } } }), {
      ok: true,
      data: { shape: { kind: 'rect', w: 2, inner: { t: 'y' } } },
    });
    assert.deepEqual(decode(S, { shape: { kind: 'rect', w: 2, h: 3, inner: null } }), {
      ok: true,
      data: { shape: { kind: 'rect', w: 2, h: 3 } },
    });
  });

  it('picks the branch per element in arrays of unions, and cleans nullable arrays', () => {
    const Item = z.union([
      z.object({ type: z.literal('text'), body: z.string(), lang: z.string().optional() }),
      z.object({ type: z.literal('image'), url: z.string(), alt: z.string().optional() }),
    ]);
    const S = z.object({ items: z.array(Item), extra: z.array(z.object({ p: z.string().optional() })).nullable() });
    const decoded = decode(S, {
      items: [
        { type: 'text', body: 'a', lang: null },
        { type: 'image', url: 'u', alt: null },
        { type: 'image', url: 'v', alt: 'w' },
      ],
      extra: [{ p: null }],
    });
    assert.deepEqual(decoded, {
      ok: true,
      data: {
        items: [
          { type: 'text', body: 'a' },
          { type: 'image', url: 'u' },
          { type: 'image', url: 'v', alt: 'w' },
        ],
        extra: [{}],
      },
    });
    assert.deepEqual(decode(S, { items: [], extra: null }), { ok: true, data: { items: [], extra: null } });
  });

  it('keeps nulls for nullable fields and drops them only for optional ones', () => {
    const S = z.object({
      n: z.number().nullable(),
      o: z.number().optional(),
      no: z.number().nullable().optional(),
      u: z.union([
        z.object({ k: z.literal('a'), note: z.string().nullable() }),
        z.object({ k: z.literal('b'), note: z.string().optional() }),
      ]),
    });
    assert.deepEqual(decode(S, { n: null, o: null, no: null, u: { k: 'a', note: null } }), {
      ok: true,
      data: { n: null, no: null, u: { k: 'a', note: null } },
    });
    assert.deepEqual(decode(S, { n: 1, o: 2, no: 3, u: { k: 'b', note: null } }), { ok: true, data: { n: 1, o: 2, no: 3, u: { k: 'b' } } });
    const missing = decode(S, { o: null, no: null, u: { k: 'a', note: null } });
    assert.equal(!missing.ok && missing.type, 'schema_mismatch', 'a required nullable field stays required');
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
