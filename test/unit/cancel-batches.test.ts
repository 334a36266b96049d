import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cancelEndedTolerant } from '../../activities/cancel-batches';
import type { ProviderAdapter } from '../../src/providers';
import type { BatchState } from '../../src/types';

const httpError = (status: number) => Object.assign(new Error(`HTTP ${status}`), { status });

function adapter(cancelError: Error | undefined, stateAfter: BatchState): ProviderAdapter {
  return {
    cancel: async () => {
      if (cancelError) throw cancelError;
    },
    status: async () => ({ state: stateAfter, providerStatus: stateAfter, counts: { total: 1, succeeded: 1, failed: 0 } }),
  } as unknown as ProviderAdapter;
}

describe('cancelling a batch that ends meanwhile', () => {
  it('a 4xx from a cancel of a batch that has ended (or is cancelling) counts as done', async () => {
    for (const state of ['completed', 'failed', 'expired', 'cancelled', 'cancelling'] as const) {
      await cancelEndedTolerant(adapter(httpError(400), state), 'b');
      await cancelEndedTolerant(adapter(httpError(409), state), 'b');
    }
  });

  it('a 4xx for a batch still running, an auth error, a rate limit or a 5xx is a failure (retried by the activity)', async () => {
    await assert.rejects(cancelEndedTolerant(adapter(httpError(400), 'in_progress'), 'b'), /HTTP 400/);
    for (const status of [401, 403, 429, 500])
      await assert.rejects(cancelEndedTolerant(adapter(httpError(status), 'completed'), 'b'), new RegExp(`HTTP ${status}`));
  });

  it('hands the signal to the cancel and to the look after a 4xx, so a cancelled activity stops both', async () => {
    const seen: Array<[string, AbortSignal | undefined]> = [];
    const watched = {
      cancel: async (_id: string, opts?: { signal?: AbortSignal }) => {
        seen.push(['cancel', opts?.signal]);
        throw httpError(409);
      },
      status: async (_id: string, opts?: { signal?: AbortSignal }) => {
        seen.push(['status', opts?.signal]);
        return { state: 'completed', providerStatus: 'completed', counts: { total: 1, succeeded: 1, failed: 0 } };
      },
    } as unknown as ProviderAdapter;
    const signal = new AbortController().signal;
    await cancelEndedTolerant(watched, 'b', signal);
    assert.deepEqual(seen, [
      ['cancel', signal],
      ['status', signal],
    ]);
  });
});
