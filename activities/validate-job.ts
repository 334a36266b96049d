import { ApplicationFailure } from '@temporalio/activity';
import type { JobRef, JobTiming, RequestsRef } from '../src/job';
import { JobChecker, InvalidJobError, unknownProvider } from '../src/validate-job';
import { writeRequests } from '../src/write-requests';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';
import { jobContext } from './job-context';
import { checkStore } from './job-source';

/**
 * First step of every job, before any provider call: the checks that need the worker (its schemas,
 * keys and store), then the reference every later activity gets. Requests started by `start` are
 * in the store already (and were checked while they streamed in); a small inline list from a job
 * started by other means is checked and written to the store here.
 */
export function createValidateJob(deps: ActivityDeps) {
  return async function validateJob(ref: JobRef & { maxAttempts: number; timing?: JobTiming }): Promise<RequestsRef> {
    try {
      return await withHeartbeat(() => validate(ref));
    } catch (err) {
      throw asActivityFailure(err);
    }
  };

  async function validate(ref: JobRef & { maxAttempts: number; timing?: JobTiming }): Promise<RequestsRef> {
    // Checked first: an unknown provider has no adapter for jobContext to resolve.
    const providerProblem = unknownProvider(ref.provider);
    if (providerProblem) throw new InvalidJobError([providerProblem]);
    const { schema } = jobContext(deps, ref); // also resolves the API key: a missing one fails here
    const checker = new JobChecker({ ...ref, schema });
    let source: RequestsRef;
    if (ref.source) {
      checkStore(deps.store, ref.source, true);
      const problems = checker.jobProblems();
      if (problems.length) throw new InvalidJobError(problems);
      source = ref.source;
      const set = await deps.store.requestSet(ref.jobId, source.set);
      if (!set || set.digest !== source.digest) {
        throw ApplicationFailure.nonRetryable(
          `the requests of job ${ref.jobId} (set ${source.set}) are not in the job store ${deps.store.identity.url}`,
          'InvalidJob',
        );
      }
    } else {
      const meta = { provider: ref.provider, model: ref.model, schemaName: ref.schemaName };
      if (!Array.isArray(ref.requests)) {
        throw new InvalidJobError([
          'the job names no requests: start it with durabatch start (requests in the job store), or give a small `requests` list inline',
        ]);
      }
      source = await writeRequests(deps.store, ref.jobId, ref.requests, checker, meta);
    }
    // Runs once, before anything is submitted: whatever else the store holds under this job ID is
    // from an older job of the same ID (Temporal frees a closed job's ID after its retention period).
    await deps.store.clearJob(ref.jobId, source.set);
    return source;
  }
}
