import type { AttemptPlan, JobRef } from '../src/job';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';
import { jobContext } from './job-context';
import { jobSource } from './job-source';
import { ChunkPlanner } from './plan-chunks';

/**
 * Fixes an attempt's items (attempt 1: every request; later: the retryable failures of the attempt
 * before, by query) and splits them into chunks, streaming them from the store. Safe to repeat.
 */
export function createPlanAttempt(deps: ActivityDeps) {
  return async function planAttempt(ref: JobRef, attempt: number): Promise<AttemptPlan> {
    try {
      const source = await jobSource(deps, ref);
      const ctx = jobContext(deps, ref);
      return await withHeartbeat(async () => {
        if (attempt > 1) await deps.store.prepareAttempt(ref.jobId, source.set, attempt);
        const planner = new ChunkPlanner(ctx);
        for await (const item of deps.store.readAttemptItems(ref.jobId, source.set, attempt, 0)) planner.add(item);
        return { chunkSizes: planner.finish() };
      });
    } catch (err) {
      throw asActivityFailure(err);
    }
  };
}
