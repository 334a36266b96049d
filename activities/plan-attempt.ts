import type { AttemptPlan, JobRef } from '../src/job';
import type { ActivityDeps } from './deps';
import { attemptItems, jobContext } from './job-context';
import { planChunks } from './plan-chunks';

/** Chooses an attempt's items and splits them into chunks. Reads only; safe to repeat. */
export function createPlanAttempt(deps: ActivityDeps) {
  return async function planAttempt(ref: JobRef, attempt: number): Promise<AttemptPlan> {
    const ctx = jobContext(deps, ref);
    return { chunkSizes: planChunks(await attemptItems(deps, ref, attempt), ctx) };
  };
}
