import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestsRef } from '../../src/job';
import { FileJobStore, type JobStore, type StoredOutcome } from '../../src/store';
import type { PreparedRequest } from '../../src/types';
import { ALREADY_CHECKED, writeRequests } from '../../src/write-requests';

/** A new directory store holding `requests` as job `jobId`'s request set. */
export async function storeWithRequests(
  jobId: string,
  requests: PreparedRequest[],
  store?: JobStore,
): Promise<{ store: JobStore; source: RequestsRef }> {
  const s = store ?? (await FileJobStore.open(await mkdtemp(join(tmpdir(), 'durabatch-store-'))));
  const source = await writeRequests(s, jobId, requests, ALREADY_CHECKED, { provider: 'openai', model: 'm', schemaName: 'User' });
  return { store: s, source };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export async function latest(store: JobStore, jobId: string): Promise<StoredOutcome[]> {
  return collect(store.readLatestOutcomes(jobId));
}
