/**
 * An optional Temporal payload codec: AES-256-GCM over every payload (workflow and activity
 * inputs and results, signals, queries, memos), so history holds ciphertext instead of model
 * names, settings, error texts or inline prompts. Search attributes are never payloads and stay
 * plain (durabatch puts only phase, provider and item count there).
 *
 * Keys come from the environment:
 *
 *   DURABATCH_CODEC_KEYS=<id>:<base64 key>[,<id>:<base64 key>...]
 *
 * - `<id>`: 1-64 characters of `A-Z a-z 0-9 . _ -`; written (in plain text) into each payload's
 *   `encryption-key-id` metadata. Never reuse an ID for other key material.
 * - `<base64 key>`: exactly 32 random bytes, standard base64 (`openssl rand -base64 32`).
 * - The first entry is the current key: every payload is encrypted with it. The others only
 *   decrypt payloads that name them. To rotate, put the new key first and keep the old ones
 *   after it for as long as histories encrypted with them are read (running jobs, replay, UI).
 * - Unset or empty: no codec (payloads are plain JSON, as without this file).
 *
 * Wire format (the same as temporalio/samples-typescript `encryption`): metadata
 * `encoding: binary/encrypted`, `encryption-key-id: <id>`; data = 12-byte random IV ‖ ciphertext
 * ‖ 16-byte GCM tag, the plaintext being the whole original payload serialised as a
 * `temporal.api.common.v1.Payload` protobuf (metadata included). Payloads without the
 * `binary/encrypted` encoding pass through decode unchanged, so histories written before the
 * codec was switched on still read.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const CODEC_KEYS_ENV = 'DURABATCH_CODEC_KEYS';
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

/** One key of the keyring: its ID (stored in each payload it encrypts) and its 32 bytes. */
export interface CodecKey {
  id: string;
  key: Uint8Array;
}

/** AES-256-GCM payload codec over a keyring: encodes with the first (current) key, decodes with the key a payload names. */
export class AesGcmCodec implements PayloadCodec {
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];
  // Private fields: the keys never show in JSON.stringify, util.inspect or error messages.
  readonly #keys = new Map<string, KeyObject>();

  /** `keys[0]` is the current key. */
  constructor(keys: readonly CodecKey[]) {
    if (keys.length === 0) throw new Error('AesGcmCodec needs at least one key');
    for (const [i, { id, key }] of keys.entries()) {
      if (!KEY_ID_RE.test(id)) throw new Error(`codec key #${i + 1}: key ID "${id}" must be 1-64 characters of A-Z a-z 0-9 . _ -`);
      if (key.length !== KEY_BYTES) throw new Error(`codec key "${id}": must be ${KEY_BYTES} bytes (AES-256), got ${key.length}`);
      if (this.#keys.has(id)) throw new Error(`codec key ID "${id}" appears twice`);
      this.#keys.set(id, createSecretKey(key));
    }
    this.currentKeyId = keys[0].id;
    this.keyIds = keys.map((k) => k.id);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.currentKeyId;
    const key = this.#keys.get(keyId)!;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: utf8.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8.encode(keyId) },
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (!encoding || fromUtf8.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      if (!idBytes) throw new ValueError(`encrypted payload has no ${KEY_ID_METADATA} metadata: cannot tell which key decrypts it`);
      const keyId = fromUtf8.decode(idBytes);
      const key = this.#keys.get(keyId);
      if (!key) {
        throw new ValueError(
          `payload is encrypted with key ID "${keyId}", which is not in ${CODEC_KEYS_ENV} (have: ${this.keyIds.join(', ')}): ` +
            'keep retired keys after the current one for as long as their histories are read',
        );
      }
      const data = payload.data ?? new Uint8Array();
      if (data.length < IV_BYTES + TAG_BYTES)
        throw new ValueError(`encrypted payload (key ID "${keyId}") is ${data.length} bytes: too short to be AES-GCM output`);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new ValueError(
          `payload encrypted with key ID "${keyId}" failed authentication: the key under that ID is not the one it was encrypted with, or the payload was altered`,
        );
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * Parses the `DURABATCH_CODEC_KEYS` format (`id:base64key,...`, first = current). Errors name the
 * entry by position and ID, never its key material.
 */
export function parseCodecKeys(value: string, source = CODEC_KEYS_ENV): CodecKey[] {
  const entries = value.split(',').map((e) => e.trim());
  const keys: CodecKey[] = [];
  for (const [i, entry] of entries.entries()) {
    const where = `${source} entry #${i + 1}`;
    if (!entry) throw new Error(`${where} is empty: expected id:base64key[,id:base64key...]`);
    const colon = entry.indexOf(':');
    if (colon < 0) throw new Error(`${where} has no ":": expected id:base64key (a key ID, a colon, 32 bytes in base64)`);
    const id = entry.slice(0, colon).trim();
    const b64 = entry.slice(colon + 1).trim();
    if (!KEY_ID_RE.test(id)) throw new Error(`${where}: key ID "${id}" must be 1-64 characters of A-Z a-z 0-9 . _ -`);
    if (!b64 || !BASE64_RE.test(b64))
      throw new Error(`${where} (key ID "${id}"): the key is not standard base64 (make one with \`openssl rand -base64 32\`)`);
    const key = Buffer.from(b64, 'base64');
    if (key.length !== KEY_BYTES)
      throw new Error(
        `${where} (key ID "${id}"): the key is ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES} (\`openssl rand -base64 32\`)`,
      );
    if (keys.some((k) => k.id === id)) throw new Error(`${where}: key ID "${id}" appears twice`);
    keys.push({ id, key });
  }
  return keys;
}

/** The codec the environment asks for: `undefined` when `DURABATCH_CODEC_KEYS` is unset or empty; throws when it is malformed. */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const value = env[CODEC_KEYS_ENV]?.trim();
  if (!value) return undefined;
  const keys = parseCodecKeys(value);
  try {
    return new AesGcmCodec(keys);
  } finally {
    for (const k of keys) k.key.fill(0); // the codec holds its own copies (KeyObjects)
  }
}

/** `{ payloadCodecs: [codec] }` when the environment configures a codec, else `undefined` (the SDK's default converter). */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): { payloadCodecs: PayloadCodec[] } | undefined {
  const codec = codecFromEnv(env);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
