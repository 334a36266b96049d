/**
 * A job of 1,000,000 requests has 20 OpenAI batches open at once, and pollBatches / cancelBatches
 * call the provider for all of them on the activity's one cancellation signal. Each SDK call adds an
 * abort listener to it; past 10, Node would print a MaxListenersExceededWarning (a false "leak").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCancelBatches } from '../../activities/cancel-batches';
import type { ActivityDeps } from '../../activities/deps';
import { createPollBatches } from '../../activities/poll-batches';
import type { ProviderAdapter, ProviderBatchStatus } from '../../src/providers/types';

const OPEN: ProviderBatchStatus = { state: 'in_progress', providerStatus: 'in_progress', counts: { total: 1, succeeded: 0, failed: 0 } };

/** An adapter whose every call listens on the signal it was given, as the SDKs' fetches do. */
function listeningDeps(): ActivityDeps {
  const listen = (signal?: AbortSignal) => signal?.addEventListener('abort', () => undefined);
  const adapter = {
    async status(_id: string, opts?: { signal?: AbortSignal }) {
      listen(opts?.signal);
      await new Promise((r) => setTimeout(r, 5));
      return OPEN;
    },
    async cancel(_id: string, opts?: { signal?: AbortSignal }) {
      listen(opts?.signal);
      await new Promise((r) => setTimeout(r, 5));
    },
  } as unknown as ProviderAdapter;
  return { providers: { get: () => adapter } as never, store: undefined as never, schemas: {} };
}

async function warningsDuring(run: () => Promise<unknown>): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error) => seen.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    await run();
    // Warnings are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

describe('activities over many batches on one signal', () => {
  const ids = Array.from({ length: 25 }, (_, i) => `batch_${i}`);

  it('pollBatches polls 25 batches without a listener-leak warning', async () => {
    let statuses: unknown;
    const warnings = await warningsDuring(async () => {
      statuses = await new MockActivityEnvironment().run(createPollBatches(listeningDeps()), 'openai' as const, ids);
    });
    assert.equal((statuses as unknown[]).length, 25);
    assert.deepEqual(
      warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
      [],
    );
  });

  it('cancelBatches cancels 25 batches without a listener-leak warning', async () => {
    const warnings = await warningsDuring(() =>
      new MockActivityEnvironment().run(createCancelBatches(listeningDeps()), 'openai' as const, ids),
    );
    assert.deepEqual(
      warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
      [],
    );
  });
});
