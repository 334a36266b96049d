import { createAbandonSubmission } from './abandon-submission';
import { createCancelBatches } from './cancel-batches';
import type { ActivityDeps } from './deps';
import { createFetchResults } from './fetch-results';
import { createPlanAttempt } from './plan-attempt';
import { createPollBatches } from './poll-batches';
import { createRequestOwnCancellation } from './request-own-cancellation';
import { createSubmitChunk } from './submit-chunk';
import { createValidateJob } from './validate-job';

export type { ActivityDeps } from './deps';
export type { ChunkAddress } from './submit-chunk';
export type { FetchInput } from './fetch-results';

/** Every activity of batchJobWorkflow, bound to its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    validateJob: createValidateJob(deps),
    planAttempt: createPlanAttempt(deps),
    submitChunk: createSubmitChunk(deps),
    pollBatches: createPollBatches(deps),
    fetchResults: createFetchResults(deps),
    cancelBatches: createCancelBatches(deps),
    abandonSubmission: createAbandonSubmission(deps),
    requestOwnCancellation: createRequestOwnCancellation(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
