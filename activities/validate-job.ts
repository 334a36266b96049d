import type { JobRef, JobTiming } from '../src/job';
import { prepareRequests } from '../src/requests';
import { findJobProblems, InvalidJobError, unknownProvider } from '../src/validate-job';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { jobContext } from './job-context';

/** First step of every job: all checks that need the worker's schemas and keys, before any provider call. */
export function createValidateJob(deps: ActivityDeps) {
  return async function validateJob(ref: JobRef & { maxAttempts: number; timing?: JobTiming }): Promise<void> {
    try {
      // Checked first: an unknown provider has no adapter for jobContext to resolve.
      const providerProblem = unknownProvider(ref.provider);
      if (providerProblem) throw new InvalidJobError([providerProblem]);
      const { schema } = jobContext(deps, ref); // also resolves the API key: a missing one fails here
      // The client made these checks already; a job started by other means (CLI, Temporal UI) gets them here.
      const { problems } = prepareRequests(ref.requests);
      if (problems.length === 0) problems.push(...findJobProblems({ ...ref, schema }));
      if (problems.length) throw new InvalidJobError(problems);
      // Runs once, before anything is submitted: whatever the store holds under this job ID is from
      // an older job of the same ID (Temporal frees a closed job's ID after its retention period).
      await deps.store.clearJob(ref.jobId);
    } catch (err) {
      throw asActivityFailure(err);
    }
  };
}
