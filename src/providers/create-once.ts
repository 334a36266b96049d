/**
 * Creating a provider batch is not idempotent at any of the three providers, and none takes an
 * idempotency key: a create whose response is lost (timeout, 5xx, dropped connection) may still
 * have made a billed batch. So the create call never goes through the SDK's own retries. Only a
 * refusal at the door (429, Anthropic's 529), which guarantees nothing was created, is tried again
 * here; anything else surfaces, and the activity's retry looks for the batch by its tag first.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Tries, the first included; longer backoff is the activity retry's job. */
const ATTEMPTS = 3;
const MAX_WAIT_MS = 5_000;

export interface RefusalPolicy {
  /** True when the error proves the provider created nothing. */
  refused(err: unknown): boolean;
  /** The provider's own wait (Retry-After), when it sent one. */
  retryAfterMs?(err: unknown): number | undefined;
}

/**
 * `create`, tried again after a refusal. `signal` (the activity's) also ends a wait between tries:
 * a cancelled submit stops at once with the signal's reason rather than after the wait (up to 5 s).
 */
export async function createOnce<T>(create: () => Promise<T>, policy: RefusalPolicy, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (err) {
      if (!policy.refused(err) || attempt >= ATTEMPTS) throw err;
      const wait = policy.retryAfterMs?.(err) ?? 500 * 2 ** (attempt - 1);
      try {
        await delay(Math.min(wait, MAX_WAIT_MS), undefined, { signal });
      } catch (abort) {
        throw signal?.aborted ? signal.reason : abort;
      }
    }
  }
}

/** `retry-after-ms`, else `retry-after` in seconds, from an SDK error's response headers. */
export function retryAfterFromHeaders(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const seconds = Number(headers?.get('retry-after') ?? NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
