import type { ItemError, Usage } from '../types';

/** One item's result from one attempt, as written by the fetch activity. */
export interface StoredOutcome {
  customId: string;
  attempt: number;
  ok: boolean;
  data?: unknown;
  usage?: Usage;
  error?: ItemError;
  /** For failures: whether the retry policy may re-submit the item. */
  retryable?: boolean;
}

/**
 * Where item results live (claim check): never in workflow history. Writes are keyed by
 * (job, attempt, chunk) and replace what was there, so a retried fetch activity is harmless.
 */
export interface ResultStore {
  writeChunk(jobId: string, attempt: number, chunk: number, outcomes: StoredOutcome[]): Promise<void>;
  /**
   * Every stored outcome of a job, attempts in ascending order (a later attempt supersedes an earlier
   * one); with `beforeAttempt`, only those of earlier attempts.
   */
  readAll(jobId: string, opts?: { beforeAttempt?: number }): AsyncIterable<StoredOutcome>;
  /** Forgets every outcome of a job (a job ID used again after Temporal forgot the old job starts clean). */
  clearJob(jobId: string): Promise<void>;
  /** Human-readable location of a job's results, for logs and the CLI. */
  describe(jobId: string): string;
}

/** Latest outcome per custom ID: what an item ended as (as of the attempts before `beforeAttempt`, if given). */
export async function latestOutcomes(
  store: ResultStore,
  jobId: string,
  opts: { beforeAttempt?: number } = {},
): Promise<Map<string, StoredOutcome>> {
  const latest = new Map<string, StoredOutcome>();
  for await (const outcome of store.readAll(jobId, opts)) {
    const prev = latest.get(outcome.customId);
    if (!prev || prev.attempt <= outcome.attempt) latest.set(outcome.customId, outcome);
  }
  return latest;
}
