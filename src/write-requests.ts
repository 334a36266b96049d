/**
 * Streams a job's requests into the job store while checking them: the one way requests enter
 * durabatch. Nothing becomes visible unless every request passed (the set is committed whole or
 * not at all), and nothing holds the whole list in memory.
 */
import type { ChunkRuns } from './chunk-plan';
import type { RequestsRef } from './job';
import { RequestDigest, type JobMeta, type JobStore, type RequestWriter, type StoredRequest } from './store';
import type { PreparedRequest } from './types';
import { InvalidJobError } from './validate-job';

/** Requests written per store call: big enough for bulk writes, small enough to bound memory. */
const GROUP = 2_000;

/** For requests checked already (a recorded inline list, tests): every one is taken as it is. */
export const ALREADY_CHECKED: StreamingChecker = { add: (r) => r as PreparedRequest, ok: true, finish: () => [] };

export interface StreamingChecker {
  add(input: unknown): PreparedRequest | undefined;
  /** True while no problem has been found. */
  readonly ok: boolean;
  finish(): string[];
  /** Attempt 1's chunks, if the checker sized every request it accepted (see RequestsRef.plan). */
  plan?(): ChunkRuns | undefined;
}

export async function writeRequests(
  store: JobStore,
  jobId: string,
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  checker: StreamingChecker,
  meta: JobMeta,
): Promise<RequestsRef> {
  // Opened only once there is something valid to write: a job with a problem (a bad job ID
  // included) never touches the store.
  let writer: RequestWriter | undefined;
  try {
    const digest = new RequestDigest();
    let group: StoredRequest[] = [];
    let idx = 0;
    for await (const input of inputs) {
      const request = checker.add(input);
      // After the first problem the rest is only checked (every problem is listed), not written.
      if (!request || !checker.ok) continue;
      digest.add(request);
      group.push({ idx: idx++, ...request });
      if (group.length >= GROUP) {
        writer ??= await store.openRequestWriter(jobId);
        await writer.write(group);
        group = [];
      }
    }
    const problems = checker.finish();
    if (problems.length) throw new InvalidJobError(problems);
    writer ??= await store.openRequestWriter(jobId);
    await writer.write(group);
    const info = await writer.commit(digest.summary(), meta);
    const plan = checker.plan?.();
    return { storeId: store.identity.id, storeUrl: store.identity.url, ...info, ...(plan && { plan }) };
  } catch (err) {
    await writer?.abort();
    throw err;
  }
}
