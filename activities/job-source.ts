import { ApplicationFailure } from '@temporalio/activity';
import type { JobRef, RequestsRef } from '../src/job';
import { prepareRequests } from '../src/requests';
import type { JobStore } from '../src/store';
import { ALREADY_CHECKED, writeRequests } from '../src/write-requests';
import type { ActivityDeps } from './deps';

/**
 * The job's requests in this worker's store. A worker on another store (another host's directory,
 * another database) must never plan from, or write into, a store that does not hold the job: it
 * says which store the job was started with. In the first activity that ends the job; later on,
 * another worker with the right store may take the activity, so it is retried.
 */
export async function jobSource(deps: ActivityDeps, ref: JobRef): Promise<RequestsRef> {
  if (ref.source) {
    checkStore(deps.store, ref.source, false);
    return ref.source;
  }
  // A job recorded before requests moved to the store: its (small, checked) list is written now.
  const { requests, problems } = prepareRequests(ref.requests ?? []);
  if (problems.length) throw ApplicationFailure.nonRetryable(problems.join('; '), 'InvalidJob');
  return writeRequests(deps.store, ref.jobId, requests, ALREADY_CHECKED, {
    provider: ref.provider,
    model: ref.model,
    schemaName: ref.schemaName,
  });
}

export function checkStore(store: JobStore, source: RequestsRef, nonRetryable: boolean): void {
  if (source.storeId === store.identity.id) return;
  const message =
    `job store mismatch: this job was started with the store ${source.storeUrl} (id ${source.storeId}), but this worker uses ` +
    `${store.identity.url} (id ${store.identity.id}); start the worker with --store ${source.storeUrl} (or DURABATCH_STORE=${source.storeUrl})`;
  throw ApplicationFailure.create({ message, type: 'StoreMismatch', nonRetryable });
}
