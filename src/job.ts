/**
 * The workflow's input and the state it carries. Imported by workflow code: no runtime
 * dependencies, nothing non-deterministic.
 */
import type { ChunkRuns } from './chunk-plan';
import type { BatchState, GenerationParams, ItemErrorType, ProviderName, Usage } from './types';

/** Polling and activity timing; every interval is a parameter so tests run in real time, fast. */
export interface JobTiming {
  /** First wait between polls. */
  pollInitialMs: number;
  /** Longest wait between polls (the backoff cap). */
  pollMaxMs: number;
  /** Each wait is the previous times this, up to pollMaxMs. */
  pollFactor: number;
  /** An activity that stops heartbeating this long is presumed dead (worker killed) and retried. */
  heartbeatTimeoutMs: number;
  /**
   * After a cancel, how long to wait for the provider to finish cancelling (OpenAI: up to 10 min)
   * before ending the job without the rest of its results. Optional for jobs started before it existed.
   */
  cancelGraceMs?: number;
  /**
   * How long one step keeps retrying what may pass (provider 5xx, 429, network, a rejected key, the
   * store) before it gives up: a submit that never succeeds ends its items as `provider_error`, a
   * poll or fetch that never succeeds ends its chunk's items as `provider_error` (non-retryable: the
   * batch may still be running and billed). Optional for jobs started before it existed.
   */
  retryDeadlineMs?: number;
}

export const DEFAULT_TIMING: Required<JobTiming> = {
  pollInitialMs: 30_000,
  pollMaxMs: 10 * 60_000,
  pollFactor: 1.5,
  heartbeatTimeoutMs: 60_000,
  cancelGraceMs: 30 * 60_000,
  retryDeadlineMs: 6 * 3600_000,
};

/**
 * A job's requests, by reference: where they are (the store's identity), which set, and what it
 * holds. The only form in which requests appear in workflow or activity payloads.
 */
export interface RequestsRef {
  storeId: string;
  /** The store's URL for people (never a password): named when a worker or client has another store. */
  storeUrl: string;
  /** The store's key of the request set. */
  set: string;
  count: number;
  bytes: number;
  digest: string;
  /**
   * Attempt 1's chunk sizes, planned while the requests streamed in (each was sized then, in the
   * provider's dialect), so planning does not read them all again. Absent for lists checked
   * elsewhere: the attempt is then planned from the store.
   */
  plan?: ChunkRuns;
}

/** Above this, an inline request list in a workflow input is refused (jobs started by other means than `start`). */
/** Memo key of a cancelled job's summary: a run Temporal cancelled has no result to carry it. */
export const SUMMARY_MEMO = 'durabatchSummary';

export const MAX_INLINE_REQUEST_BYTES = 64 * 1024;

export interface JobInput {
  jobId: string;
  provider: ProviderName;
  model: string;
  /** The name the schema is registered under on the client and the worker. */
  schemaName: string;
  /** The requests in the job store: what `start` writes. */
  source?: RequestsRef;
  /**
   * Small jobs started by other means (the Temporal UI, another SDK): the requests inline, at most
   * MAX_INLINE_REQUEST_BYTES. The first activity moves them into the store; nothing after it carries them.
   */
  requests?: unknown[];
  params: GenerationParams;
  /** How many provider batches an item may be submitted in (1 = no retries). */
  maxAttempts: number;
  /** Item error types that are re-submitted while attempts remain. */
  retryOn: ItemErrorType[];
  timing: JobTiming;
}

export const DEFAULT_RETRY_ON: ItemErrorType[] = [
  'provider_error',
  'expired',
  'invalid_json',
  'schema_mismatch',
  'truncated',
  'batch_failed',
];

/** Fields every activity needs to find the job's requests, provider and schema. */
export type JobRef = Pick<JobInput, 'jobId' | 'provider' | 'model' | 'schemaName' | 'params' | 'retryOn'> & {
  /**
   * The first run's ID (stable across continueAsNew). A job ID can be used again once Temporal has
   * forgotten the old job; this keeps the new job's provider batches apart from the old one's.
   */
  runId: string;
  source?: RequestsRef;
  /** Only for jobs recorded before requests moved to the store, whose first activity returned no reference. */
  requests?: unknown[];
};

export function jobRef(input: JobInput, firstRunId: string, source: RequestsRef | undefined): JobRef {
  const { jobId, provider, model, schemaName, params, retryOn } = input;
  const ref: JobRef = { jobId, provider, model, schemaName, params, retryOn, runId: firstRunId };
  if (source) ref.source = source;
  else ref.requests = input.requests;
  return ref;
}

/**
 * The idempotency key of one submission, carried by its provider batch: job, run, attempt, chunk.
 * The run part (48 random bits of the first run's ID) tells a reused job ID's batches from the old
 * job's. Chosen once, when the chunk is planned, and kept in the chunk's state: a later change of
 * this format never renames a batch in flight.
 */
export function chunkTag(ref: { jobId: string; runId: string }, attempt: number, chunk: number): string {
  return `${ref.jobId}/r${ref.runId.replace(/-/g, '').slice(-12)}/a${attempt}/c${chunk}`;
}

/** How many requests the job has. */
export function jobSize(input: JobInput): number {
  return input.source?.count ?? input.requests?.length ?? 0;
}

/** One provider batch: a slice of one attempt's items. */
export interface ChunkState {
  attempt: number;
  index: number;
  /** Position of the chunk's first item within its attempt's items. */
  offset: number;
  items: number;
  batchId?: string;
  state: BatchState | 'planned';
  providerStatus?: string;
  /** What the provider last reported of the batch's items (its own progress counter). */
  providerCounts?: { total: number; succeeded: number; failed: number };
  /** When the first try of the submit was scheduled (workflow time): where a search for its batch starts. */
  submitStartedMs?: number;
  /** A submit stopped by a cancel: it may have created a batch, which winding down looks for. */
  abandoned?: boolean;
  /** The submission's tag (find-before-create key), fixed when planned. Absent in chunks planned before it was kept. */
  tag?: string;
  /** What proves a batch is this submission's (Anthropic: the sentinel's custom ID), as chosen at submit. */
  proof?: string;
  /** True once its results are in the store. */
  fetched: boolean;
  succeeded: number;
  failed: number;
  /** Failed items the next attempt re-submits (if there is one). */
  retryable: number;
  /** Failures by type: those that end here, and those that may be retried. */
  finalErrors: Partial<Record<ItemErrorType, number>>;
  retryableErrors: Partial<Record<ItemErrorType, number>>;
}

export type JobPhase = 'validating' | 'submitting' | 'polling' | 'fetching' | 'cancelling' | 'completed' | 'cancelled' | 'failed';

export interface JobCounts {
  total: number;
  succeeded: number;
  /** Items that ended as errors (no attempts left, or not retryable). */
  failed: number;
  /** Items still waiting for a result (including failures that will be retried). */
  pending: number;
}

export interface JobStatus {
  jobId: string;
  provider: ProviderName;
  model: string;
  phase: JobPhase;
  attempt: number;
  maxAttempts: number;
  counts: JobCounts;
  usage: Usage;
  chunks: ChunkState[];
  cancelRequested: boolean;
  /** The job store holding its requests and outcomes (once the first activity has run). */
  storeUrl?: string;
  /** Steps retrying after a failure (from Temporal): what went wrong, which try, when the next is due. */
  troubles?: Array<{ activity: string; attempt: number; lastFailure: string; nextRetryAt?: string }>;
  /** Set when the status could not come from the job itself (e.g. no worker is running). */
  note?: string;
}

/** What the workflow returns. Item results live in the job store, not here. */
export interface JobSummary extends JobStatus {
  phase: 'completed' | 'cancelled';
  errorsByType: Partial<Record<ItemErrorType, number>>;
}

/** The summary the fetch activity gives back for one chunk. */
export interface ChunkResultSummary {
  succeeded: number;
  failed: number;
  /** Failed items that the retry policy will re-submit (if attempts remain). */
  retryable: number;
  usage: Usage;
  finalErrors: Partial<Record<ItemErrorType, number>>;
  retryableErrors: Partial<Record<ItemErrorType, number>>;
}

/** Activity failure types the workflow never retries: the input itself is wrong. */
export const NON_RETRYABLE_TYPES = ['InvalidJob', 'MissingApiKey', 'ProviderRejected'];

export interface AttemptPlan {
  /** Items in each chunk, in order. */
  chunkSizes: number[];
}
