import { ChunkPlanner, sizesOfPlan } from '../src/chunk-plan';
import type { AttemptPlan, JobRef } from '../src/job';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';
import { jobContext } from './job-context';
import { jobSource } from './job-source';

/**
 * Fixes an attempt's items (attempt 1: every request; later: the retryable failures of the attempt
 * before, by query) and splits them into chunks, streaming them from the store. Safe to repeat.
 * Attempt 1 of a job started by `start` was planned while its requests streamed in (each was sized
 * then, in the provider's dialect): that plan is taken as it is, and the store is not read.
 */
export function createPlanAttempt(deps: ActivityDeps) {
  return async function planAttempt(ref: JobRef, attempt: number): Promise<AttemptPlan> {
    try {
      const source = await jobSource(deps, ref);
      const ctx = jobContext(deps, ref);
      const { limits } = ctx.adapter;
      const planned = attempt === 1 ? sizesOfPlan(source.plan, source.count, limits) : undefined;
      if (planned) return { chunkSizes: planned };
      return await withHeartbeat(async () => {
        if (attempt > 1) await deps.store.prepareAttempt(ref.jobId, source.set, attempt);
        const planner = new ChunkPlanner(limits);
        for await (const item of deps.store.readAttemptItems(ref.jobId, source.set, attempt, 0)) {
          planner.add(ctx.adapter.requestSize(item, ctx.shape));
        }
        return { chunkSizes: planner.finish() };
      });
    } catch (err) {
      throw asActivityFailure(err);
    }
  };
}
