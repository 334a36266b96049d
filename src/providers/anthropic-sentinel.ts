/**
 * The sentinel: one tiny extra request in every Anthropic batch durabatch creates, whose custom_id is
 * a digest of the chunk's tag (job ID, run, attempt, chunk). Anthropic batches carry no metadata and their
 * contents are invisible until they end, so this is the only way to tell from the results that a
 * batch really is *this* submission: two jobs with the very same requests still differ here.
 *
 * Cost: one request of a few input tokens and `max_tokens: 1` per batch, at batch prices.
 */
import { createHash } from 'node:crypto';
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';

/** `durabatch_` + 40 hex chars = 50 characters, inside Anthropic's `[a-zA-Z0-9_-]{1,64}`. */
export const SENTINEL_PREFIX = 'durabatch_';

/** The tag is unique per submission (job, run, attempt, chunk), so the sentinel is too. */
export function sentinelId(tag: string): string {
  return SENTINEL_PREFIX + createHash('sha256').update(tag).digest('hex').slice(0, 40);
}

export function sentinelRequest(tag: string, model: string): BatchCreateParams.Request {
  return {
    custom_id: sentinelId(tag),
    params: { model, max_tokens: 1, messages: [{ role: 'user', content: 'Reply with OK.' }] },
  };
}
