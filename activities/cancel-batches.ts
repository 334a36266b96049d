import type { ProviderName } from '../src/types';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';

/** Asks the provider to cancel open batches; cancelling an already-ended batch is a no-op. */
export function createCancelBatches(deps: ActivityDeps) {
  return async function cancelBatches(provider: ProviderName, batchIds: string[]): Promise<void> {
    try {
      const adapter = deps.providers.get(provider);
      await Promise.all(batchIds.map((id) => adapter.cancel(id)));
    } catch (err) {
      throw asActivityFailure(err);
    }
  };
}
