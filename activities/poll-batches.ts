import { setMaxListeners } from 'node:events';
import { Context } from '@temporalio/activity';
import type { ProviderBatchStatus } from '../src/providers/types';
import type { ProviderName } from '../src/types';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';

/** One poll of every open batch of a job: one activity per poll keeps history short. */
export function createPollBatches(deps: ActivityDeps) {
  return async function pollBatches(provider: ProviderName, batchIds: string[]): Promise<ProviderBatchStatus[]> {
    // Cancelled (or timed out, noticed at a heartbeat): the polls in flight are aborted, not waited for.
    const { cancellationSignal: signal } = Context.current();
    // Every call listens on the one signal: a job with 20 open batches would trip Node's leak warning at 10.
    setMaxListeners(batchIds.length + 10, signal);
    try {
      const adapter = deps.providers.get(provider);
      return await withHeartbeat(() => Promise.all(batchIds.map((id) => adapter.status(id, { signal }))));
    } catch (err) {
      throw asActivityFailure(err, signal);
    }
  };
}
