import { Context } from '@temporalio/activity';
import type { JobRef } from '../src/job';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';
import { tagOf } from './job-context';
import { cancelEndedTolerant } from './cancel-batches';
import type { ChunkAddress } from './submit-chunk';

/**
 * After a cancel stopped a submit: finds the provider batch that submit may have created (by the
 * chunk's tag) and cancels it, so no batch runs on unrecorded. Returns its ID (its finished items are
 * then fetched like any cancelled batch's), or undefined when there is none.
 */
export function createAbandonSubmission(deps: ActivityDeps) {
  return async function abandonSubmission(ref: JobRef, chunk: ChunkAddress & { firstTryAtMs: number }): Promise<string | undefined> {
    const { cancellationSignal: signal } = Context.current();
    try {
      const adapter = deps.providers.get(ref.provider);
      return await withHeartbeat(async () => {
        const found = await adapter.findSubmission(
          { tag: tagOf(ref, chunk), requestCount: chunk.size },
          { firstTryAtMs: chunk.firstTryAtMs, signal },
        );
        if (found) await cancelEndedTolerant(adapter, found, signal);
        return found;
      });
    } catch (err) {
      throw asActivityFailure(err, signal);
    }
  };
}
