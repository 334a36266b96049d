import { CancelledFailure, Context } from '@temporalio/activity';
import type { JobRef } from '../src/job';
import type { SubmitResult } from '../src/providers/types';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';
import { chunkItems, jobContext, tagOf } from './job-context';
import { jobSource } from './job-source';

/** Where one chunk's items are: the attempt, and a range of that attempt's items. */
export interface ChunkAddress {
  attempt: number;
  index: number;
  /** Position of the chunk's first item within the attempt's items. */
  offset: number;
  size: number;
  /** The chunk's tag as the workflow keeps it (computed here only for chunks planned before it was kept). */
  tag?: string;
  /** The submission's proof as `submit` returned it (fetch only). */
  proof?: string;
}

/**
 * Reads the chunk's items from the store, builds the provider request in memory and creates the
 * provider batch. Idempotent: the adapter looks for a batch carrying this chunk's tag before
 * creating one, so a retry after a crash between "created" and "recorded" finds the first batch
 * instead of paying twice.
 */
export function createSubmitChunk(deps: ActivityDeps) {
  return async function submitChunk(ref: JobRef, chunk: ChunkAddress): Promise<SubmitResult> {
    const { info, cancellationSignal: signal } = Context.current();
    try {
      const source = await jobSource(deps, ref);
      const ctx = jobContext(deps, ref);
      return await withHeartbeat(async () => {
        const items = await chunkItems(deps, ref, source, chunk);
        const spec = { ...ctx.shape, tag: tagOf(ref, chunk), requests: items };
        return ctx.adapter.submit(spec, { firstTryAtMs: info.scheduledTimestampMs, isRetry: info.attempt > 1, signal });
      });
    } catch (err) {
      // Stopped by the job's cancel: reported as cancelled, so the workflow looks for what it may have made.
      if (signal.aborted) throw new CancelledFailure('the submit was cancelled');
      throw asActivityFailure(err);
    }
  };
}
