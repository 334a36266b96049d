import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  AesGcmCodec,
  codecFromEnv,
  CODEC_KEYS_ENV,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  parseCodecKeys,
} from '../../src/codec/aes-gcm-codec';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const newKey = () => b64(randomBytes(32));
const str = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
const codecOf = (value: string) => codecFromEnv({ [CODEC_KEYS_ENV]: value })!;

const SECRET = { prompt: 'Extract user information from: John Doe is 25, john@example.com', model: 'gpt-4o-mini' };
const payloadOf = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const valueOf = (payload: Payload) => defaultPayloadConverter.fromPayload(payload);

describe('AES-GCM payload codec', () => {
  it('round-trips payloads, with the key ID in plain metadata and nothing readable in the data', async () => {
    const codec = codecOf(`k1:${newKey()}`);
    const plain = [payloadOf(SECRET), payloadOf(null), payloadOf('')];
    const encoded = await codec.encode(plain);
    assert.equal(encoded.length, 3);
    for (const p of encoded) {
      assert.equal(str(p.metadata!.encoding), ENCRYPTED_ENCODING);
      assert.equal(str(p.metadata![KEY_ID_METADATA]), 'k1');
      assert.equal(Object.keys(p.metadata!).length, 2, 'the original metadata is inside the ciphertext');
      assert.equal(Buffer.from(p.data!).includes('John Doe'), false);
      assert.equal(Buffer.from(p.data!).includes('json/plain'), false);
    }
    const decoded = await codec.decode(encoded);
    assert.deepEqual(valueOf(decoded[0]), SECRET);
    assert.equal(valueOf(decoded[1]), null);
    assert.equal(valueOf(decoded[2]), '');
    assert.equal(str(decoded[0].metadata!.encoding), 'json/plain');
    // The same plaintext twice gives two ciphertexts (random IV).
    const [a, b] = await codec.encode([payloadOf(SECRET), payloadOf(SECRET)]);
    assert.notDeepEqual(Buffer.from(a.data!), Buffer.from(b.data!));
    assert.deepEqual(await codec.encode([]), []);
  });

  it('passes payloads that are not encrypted through decode (histories from before the codec)', async () => {
    const codec = codecOf(`k1:${newKey()}`);
    const plain = payloadOf({ a: 1 });
    assert.deepEqual(valueOf((await codec.decode([plain]))[0]), { a: 1 });
  });

  it('still decodes payloads of an old key after rotation, and encodes with the new one', async () => {
    const oldKey = newKey();
    const before = codecOf(`2025-01:${oldKey}`);
    const oldPayloads = await before.encode([payloadOf(SECRET)]);
    const rotated = codecOf(`2026-06:${newKey()}, 2025-01:${oldKey}`);
    assert.equal(rotated.currentKeyId, '2026-06');
    assert.deepEqual(rotated.keyIds, ['2026-06', '2025-01']);
    assert.deepEqual(valueOf((await rotated.decode(oldPayloads))[0]), SECRET);
    const fresh = await rotated.encode([payloadOf(SECRET)]);
    assert.equal(str(fresh[0].metadata![KEY_ID_METADATA]), '2026-06');
    // A mixed list decodes payload by payload.
    const mixed = await rotated.decode([...oldPayloads, ...fresh]);
    assert.deepEqual(mixed.map(valueOf), [SECRET, SECRET]);
    // The old codec cannot read what the new key wrote.
    await assert.rejects(before.decode(fresh), /key ID "2026-06", which is not in DURABATCH_CODEC_KEYS \(have: 2025-01\)/);
  });

  it('fails clearly on an unknown key ID, a wrong key under a known ID, tampering and missing metadata', async () => {
    const writer = codecOf(`k-old:${newKey()}`);
    const [payload] = await writer.encode([payloadOf(SECRET)]);
    await assert.rejects(codecOf(`k-new:${newKey()}`).decode([payload]), (err: Error) => {
      assert.match(err.message, /encrypted with key ID "k-old", which is not in DURABATCH_CODEC_KEYS \(have: k-new\)/);
      return true;
    });
    await assert.rejects(codecOf(`k-old:${newKey()}`).decode([payload]), /key ID "k-old" failed authentication/);
    const flipped = Buffer.from(payload.data!);
    flipped[20] ^= 1;
    const tampered = { ...payload, data: flipped };
    await assert.rejects(writer.decode([tampered]), /failed authentication/);
    const noId = { data: payload.data, metadata: { encoding: payload.metadata!.encoding } };
    await assert.rejects(writer.decode([noId]), /no encryption-key-id metadata/);
    const short = { ...payload, data: new Uint8Array(5) };
    await assert.rejects(writer.decode([short]), /too short/);
  });

  it('reads DURABATCH_CODEC_KEYS: unset or empty means no codec; malformed values fail naming the entry, never the key', () => {
    assert.equal(codecFromEnv({}), undefined);
    assert.equal(codecFromEnv({ [CODEC_KEYS_ENV]: '' }), undefined);
    assert.equal(codecFromEnv({ [CODEC_KEYS_ENV]: '  ' }), undefined);
    const short = b64(randomBytes(16));
    const cases: [string, RegExp][] = [
      [`${short}`, /entry #1 has no ":"/],
      [`:${newKey()}`, /entry #1: key ID "" must be 1-64 characters/],
      [`bad id:${newKey()}`, /key ID "bad id" must be/],
      [`k1:${short}`, /entry #1 \(key ID "k1"\): the key is 16 bytes; AES-256 needs exactly 32/],
      [`k1:${b64(randomBytes(48))}`, /the key is 48 bytes/],
      [`k1:not*base64!`, /\(key ID "k1"\): the key is not standard base64/],
      [`k1:`, /\(key ID "k1"\): the key is not standard base64/],
      [`k1:${newKey()},`, /entry #2 is empty/],
      [`k1:${newKey()},k1:${newKey()}`, /entry #2: key ID "k1" appears twice/],
    ];
    for (const [value, expected] of cases) {
      assert.throws(
        () => codecFromEnv({ [CODEC_KEYS_ENV]: value }),
        (err: Error) => {
          assert.match(err.message, expected, value);
          assert.match(err.message, /DURABATCH_CODEC_KEYS/);
          for (const part of value.split(/[,:]/).filter((p) => p.length >= 16))
            assert.equal(err.message.includes(part), false, 'no key material in the message');
          return true;
        },
      );
    }
    assert.deepEqual(parseCodecKeys(`a:${b64(Buffer.alloc(32, 1))}`), [{ id: 'a', key: Buffer.alloc(32, 1) }]);
    assert.throws(() => new AesGcmCodec([]), /at least one key/);
  });

  it('never shows its keys when logged or serialised', () => {
    const key = newKey();
    const codec = codecOf(`k1:${key}`);
    const raw = Buffer.from(key, 'base64');
    for (const shown of [JSON.stringify(codec), inspect(codec, { showHidden: true, depth: 10 })]) {
      assert.equal(shown.includes(key), false);
      assert.equal(shown.includes(raw.toString('hex')), false);
    }
  });
});

describe('codec server', () => {
  const UI = 'http://localhost:8233';
  let server: CodecServer;
  let codec: AesGcmCodec;
  const logged: string[] = [];
  before(async () => {
    codec = codecOf(`k1:${newKey()}`);
    server = await startCodecServer({ codec, port: 0, uiOrigins: UI, log: (m) => logged.push(m) });
  });
  after(async () => {
    await server?.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const toJson = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
    data: b64(p.data!),
  });
  const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data, 'base64'),
  });

  it('encodes and decodes payloads over HTTP in the codec-server protocol', async () => {
    const plain = [payloadOf(SECRET), payloadOf('second')];
    const enc = await post('/encode', { payloads: plain.map(toJson) }, { origin: UI });
    assert.equal(enc.status, 200);
    assert.equal(enc.headers.get('access-control-allow-origin'), UI);
    const encoded = (await enc.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.equal(encoded.payloads.length, 2);
    assert.equal(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString(), ENCRYPTED_ENCODING);
    assert.equal(Buffer.from(encoded.payloads[0].metadata[KEY_ID_METADATA], 'base64').toString(), 'k1');
    assert.equal(JSON.stringify(encoded).includes('John Doe'), false);
    // What the server encrypted, the codec in-process decrypts (and the other way round).
    assert.deepEqual(valueOf((await codec.decode(encoded.payloads.map(fromJson)))[0]), SECRET);
    const ownEncoded = await codec.encode(plain);
    const dec = await post('/decode', { payloads: [...ownEncoded.map(toJson), toJson(payloadOf('never encrypted'))] });
    assert.equal(dec.status, 200);
    const decoded = (await dec.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    assert.deepEqual(decoded.payloads.map(fromJson).map(valueOf), [SECRET, 'second', 'never encrypted']);
  });

  it('answers CORS preflight for the UI origin, with X-Namespace and Content-Type allowed, and not for another origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/decode`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-namespace,content-type' },
      });
    const ok = await preflight(UI);
    assert.ok(ok.status === 204 || ok.status === 200, `status ${ok.status}`);
    assert.equal(ok.headers.get('access-control-allow-origin'), UI);
    const allowed = (ok.headers.get('access-control-allow-headers') ?? '')
      .toLowerCase()
      .split(',')
      .map((h) => h.trim());
    assert.ok(allowed.includes('x-namespace') && allowed.includes('content-type'), `allowed headers: ${allowed}`);
    assert.match(ok.headers.get('access-control-allow-methods') ?? '', /POST/);
    const other = await preflight('https://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    // A request from another origin is refused outright, and the browser could not read it anyway.
    const refused = await post('/decode', { payloads: [] }, { origin: 'https://evil.example' });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    assert.ok(logged.some((m) => m.includes('https://evil.example')));
  });

  it('says what is wrong with a bad request or an undecodable payload', async () => {
    const notJson = await post('/decode', 'nope');
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { error: string }).error, /not JSON/);
    const noList = await post('/decode', { payload: [] });
    assert.equal(noList.status, 400);
    assert.match(((await noList.json()) as { error: string }).error, /\{"payloads": \[\.\.\.\]\}/);
    const badData = await post('/encode', { payloads: [{ data: 5 }] });
    assert.equal(badData.status, 400);
    assert.match(((await badData.json()) as { error: string }).error, /payloads\[0\]\.data must be a base64 string/);
    const foreign = await codecOf(`elsewhere:${newKey()}`).encode([payloadOf(SECRET)]);
    const unknown = await post('/decode', { payloads: foreign.map(toJson) });
    assert.equal(unknown.status, 422);
    assert.match(((await unknown.json()) as { error: string }).error, /key ID "elsewhere"/);
    const empty = await post('/decode', { payloads: [] });
    assert.deepEqual(await empty.json(), { payloads: [] });
    assert.equal((await fetch(`${server.url}/decode`)).status, 404);
  });
});
