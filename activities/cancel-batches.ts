import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import type { ProviderAdapter } from '../src/providers';
import { isTerminalBatchState, type ProviderName } from '../src/types';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';

/** Asks the provider to cancel open batches; cancelling an already-ended batch is a no-op. */
export function createCancelBatches(deps: ActivityDeps) {
  return async function cancelBatches(provider: ProviderName, batchIds: string[]): Promise<void> {
    const { cancellationSignal: signal } = Context.current();
    // One listener per batch on the one signal (see poll-batches.ts).
    setMaxListeners(batchIds.length + 10, signal);
    try {
      const adapter = deps.providers.get(provider);
      await withHeartbeat(() => Promise.all(batchIds.map((id) => cancelEndedTolerant(adapter, id, signal))));
    } catch (err) {
      throw asActivityFailure(err, signal);
    }
  };
}

/**
 * Cancels one batch. A batch can end between the adapter's look and its cancel call; the provider
 * then answers the cancel with a 4xx. A batch that has ended (or is cancelling) needs no cancel:
 * that counts as done, not as a failure of the job's cancel.
 */
export async function cancelEndedTolerant(adapter: ProviderAdapter, batchId: string, signal?: AbortSignal): Promise<void> {
  try {
    await adapter.cancel(batchId, { signal });
  } catch (err) {
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status !== 'number' || status < 400 || status >= 500 || status === 401 || status === 403 || status === 429) throw err;
    const now = await adapter.status(batchId, { signal });
    if (isTerminalBatchState(now.state) || now.state === 'cancelling') return;
    throw err;
  }
}
