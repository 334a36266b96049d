import { Context } from '@temporalio/activity';
import type { JobRef } from '../src/job';
import type { SubmitResult } from '../src/providers/types';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';
import { attemptItems, chunkTag, jobContext } from './job-context';

export interface ChunkAddress {
  attempt: number;
  index: number;
  /** Position of the chunk's first item within the attempt's items. */
  offset: number;
  size: number;
}

/**
 * Builds the chunk's provider request in memory and creates the provider batch. Idempotent:
 * the adapter looks for a batch carrying this chunk's tag before creating one, so a retry after
 * a crash between "created" and "recorded" finds the first batch instead of paying twice.
 */
export function createSubmitChunk(deps: ActivityDeps) {
  return async function submitChunk(ref: JobRef, chunk: ChunkAddress): Promise<SubmitResult> {
    const info = Context.current().info;
    try {
      const ctx = jobContext(deps, ref);
      const items = (await attemptItems(deps, ref, chunk.attempt)).slice(chunk.offset, chunk.offset + chunk.size);
      const spec = { ...ctx.shape, tag: chunkTag(ref, chunk.attempt, chunk.index), requests: items };
      return await withHeartbeat(() =>
        ctx.adapter.submit(spec, { firstTryAtMs: info.scheduledTimestampMs, isRetry: info.attempt > 1 }),
      );
    } catch (err) {
      throw asActivityFailure(err);
    }
  };
}
