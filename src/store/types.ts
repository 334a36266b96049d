import type { ChatMessage, ItemError, Usage } from '../types';

/**
 * The job data store: a job's requests, the items of each attempt, and every outcome. Client,
 * workers and CLI all open the same store by URL (a directory, or `postgres://...`); Temporal
 * history only ever holds references into it (job ID, request set, counts, chunk addresses).
 *
 * A backend implements `JobStore`; the workflow never sees which one. An object store can join
 * later by implementing the same interface.
 */

/** One request as stored: its position in the job (0-based), its custom ID and its messages. */
export interface StoredRequest {
  idx: number;
  customId: string;
  messages: ChatMessage[];
}

/** One item's result from one attempt, as written by the fetch activity. */
export interface StoredOutcome {
  /** The request's position in the job. */
  idx: number;
  customId: string;
  attempt: number;
  ok: boolean;
  data?: unknown;
  usage?: Usage;
  error?: ItemError;
  /** For failures: whether the retry policy may re-submit the item. */
  retryable?: boolean;
}

/** Which store a job's data lives in: checked by every worker and client that touches the job. */
export interface StoreIdentity {
  /** A random ID made when the store was first used (a directory's `store.json`, a database's table). */
  id: string;
  /** Where it is, for people: a directory path or `postgres://user@host:port/db` (never a password). */
  url: string;
}

/** What a committed request set is. `set` is the backend's own key for it (opaque to everyone else). */
export interface RequestSetInfo {
  set: string;
  count: number;
  /** Bytes of the requests as stored (canonical JSON of each request). */
  bytes: number;
  /** sha256 (hex) of the canonical requests, in order. */
  digest: string;
}

/** Facts about the job recorded beside its requests, for people and SQL readers. */
export interface JobMeta {
  provider: string;
  model: string;
  schemaName: string;
}

/**
 * Streams a job's requests into the store. Nothing is visible until `commit`; `abort` (or a
 * crash) leaves nothing behind that any reader would see.
 */
export interface RequestWriter {
  /** Requests in order: `idx` runs 0, 1, 2, ... across calls. */
  write(requests: StoredRequest[]): Promise<void>;
  /**
   * Makes the set readable. If the job already has a committed set with the same digest, that one
   * is kept and returned (the same requests written twice are one set).
   */
  commit(summary: { count: number; bytes: number; digest: string }, meta: JobMeta): Promise<RequestSetInfo>;
  abort(): Promise<void>;
}

/** Writes one chunk's outcomes in bounded groups; a commit makes them the chunk's outcomes (replacing a previous try's). */
export interface OutcomeWriter {
  /**
   * Outcomes of the chunk, any order. For one item, a later write replaces an earlier one, except
   * that a failure never replaces a success.
   */
  write(outcomes: StoredOutcome[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface JobStore {
  readonly identity: StoreIdentity;

  /** Human-readable location of a job's data, for logs and the CLI. */
  describe(jobId: string): string;

  // ── requests ───────────────────────────────────────────────────────────────────────────────
  openRequestWriter(jobId: string): Promise<RequestWriter>;
  /** The committed set `set` of the job, or undefined. */
  requestSet(jobId: string, set: string): Promise<RequestSetInfo | undefined>;
  /** Removes one committed set (e.g. written by a start that then lost a race for the job ID). */
  deleteRequestSet(jobId: string, set: string): Promise<void>;

  // ── attempts ───────────────────────────────────────────────────────────────────────────────
  /**
   * Fixes the items of attempt `attempt` (> 1): the items whose outcome in attempt `attempt - 1` is
   * a retryable failure, in request order, read by query (not by re-reading the job). Safe to
   * repeat: the same outcomes give the same items. Returns how many there are.
   */
  prepareAttempt(jobId: string, set: string, attempt: number): Promise<number>;
  /**
   * Items `from` .. `from + count - 1` of an attempt, in order (attempt 1: the job's requests;
   * later attempts: as fixed by `prepareAttempt`). `count` undefined reads to the end.
   */
  readAttemptItems(jobId: string, set: string, attempt: number, from: number, count?: number): AsyncIterable<StoredRequest>;
  /** The same items' positions and custom IDs only (what reading results needs): no messages read or parsed. */
  readAttemptIds(
    jobId: string,
    set: string,
    attempt: number,
    from: number,
    count: number,
  ): AsyncIterable<Pick<StoredRequest, 'idx' | 'customId'>>;

  // ── outcomes ───────────────────────────────────────────────────────────────────────────────
  /**
   * A writer of one chunk's outcomes; what an earlier try of the chunk wrote is replaced on commit.
   * `span` is the first and last `idx` of the chunk's items (a chunk's items are in request order):
   * it lets a store find the earlier try's rows without scanning the whole job.
   */
  openOutcomeWriter(jobId: string, attempt: number, chunk: number, span?: ItemSpan): Promise<OutcomeWriter>;
  /**
   * Each item's latest outcome (highest attempt), in request order; `only` keeps successes or
   * failures. Items with no outcome yet are skipped.
   */
  readLatestOutcomes(jobId: string, opts?: { only?: 'ok' | 'errors' }): AsyncIterable<StoredOutcome>;
  /**
   * Forgets everything of a job ID but request set `keepSet`: attempts, outcomes, other sets (a job
   * ID used again after Temporal forgot the old job starts clean).
   */
  clearJob(jobId: string, keepSet: string): Promise<void>;

  close(): Promise<void>;
}

/** The `idx` of a chunk's first and last item. */
export interface ItemSpan {
  first: number;
  last: number;
}

/** Job IDs start with a letter or digit: `.` and `..` (and hidden names) can never be one. */
export const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
