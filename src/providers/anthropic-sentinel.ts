/**
 * The sentinel: one tiny extra request in every Anthropic batch durabatch creates, whose custom_id is
 * a digest of the chunk's content (custom IDs and messages). Anthropic batches carry no
 * metadata and their contents are invisible until they end, so this is the only way to tell from the
 * results that a batch really holds *this* chunk: two jobs that both use the default IDs
 * `request-0..n` have identical custom_id sets, but not identical sentinels.
 *
 * Cost: one request of a few input tokens and `max_tokens: 1` per batch, at batch prices.
 */
import { createHash } from 'node:crypto';
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import type { PreparedRequest } from '../types';

/** `durabatch_` + 40 hex chars = 50 characters, inside Anthropic's `[a-zA-Z0-9_-]{1,64}`. */
export const SENTINEL_PREFIX = 'durabatch_';

/**
 * Only what `results()` sees again is hashed: it gets the chunk's requests (not its model or params),
 * so those must be the very requests the batch was submitted with; their order does not matter.
 */
export function sentinelId(requests: readonly PreparedRequest[]): string {
  const hash = createHash('sha256');
  const sorted = [...requests].sort((a, b) => (a.customId < b.customId ? -1 : a.customId > b.customId ? 1 : 0));
  for (const r of sorted) {
    hash.update(JSON.stringify([r.customId, r.messages.map((m) => [m.role, m.content])]));
    hash.update('\n');
  }
  return SENTINEL_PREFIX + hash.digest('hex').slice(0, 40);
}

export function sentinelRequest(requests: readonly PreparedRequest[], model: string): BatchCreateParams.Request {
  return {
    custom_id: sentinelId(requests),
    params: { model, max_tokens: 1, messages: [{ role: 'user', content: 'Reply with OK.' }] },
  };
}
