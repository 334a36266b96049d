import type { BatchState, GenerationParams, ItemErrorType, PreparedRequest, ProviderName, Usage } from '../types';
import type { CustomIdIndex } from './custom-id-index';

/** A provider's hard limits for one batch; chunks are planned against them. */
export interface ProviderLimits {
  maxRequests: number;
  /** Bytes of the request body the provider receives (JSONL file or JSON body). */
  maxBytes: number;
}

/** The structured output every request of a job asks for. */
export interface StructuredOutput {
  /** A name for the schema, `[a-zA-Z0-9_-]{1,64}`. */
  name: string;
  /** Canonical JSON Schema (draft 2020-12) made from the zod schema; each adapter adapts it to its dialect. */
  jsonSchema: Record<string, unknown>;
}

/** Everything one provider batch is made of. */
export interface ChunkSpec {
  /** Unique per (job, attempt, chunk): the idempotency key find-before-create looks for. */
  tag: string;
  jobId: string;
  model: string;
  requests: PreparedRequest[];
  params: GenerationParams;
  output: StructuredOutput;
}

/** The custom IDs of a submission's requests, in order, and its tag: all that reading its results needs. */
export interface ChunkIds {
  ids: CustomIdIndex;
  tag: string;
  /** The proof `submit` returned, kept by the workflow (absent for batches submitted before it was kept). */
  proof?: string;
  /** Called for every raw line read from the provider, yielded or not: the fetch's progress heartbeat. */
  onLine?: () => void;
  /** Aborts the download and every call before it (the activity was cancelled, or the stream stalled). */
  signal?: AbortSignal;
}

/**
 * What any provider call may be given. `signal` is the activity's cancellation signal: aborting it
 * stops the SDK's HTTP call in flight and any retry of it, so a cancelled or timed-out activity frees
 * its worker slot at once instead of waiting on a provider that does not answer.
 */
export interface CallOptions {
  signal?: AbortSignal;
}

/** What the submit activity knows about earlier tries of the same submission. */
export interface SubmitContext {
  /** When the first try of this submission started (ms since epoch); a window to search for orphans. */
  firstTryAtMs: number;
  /** True when an earlier try may have reached the provider. */
  isRetry: boolean;
  /** Aborts the provider calls when the submit is cancelled (the activity's cancellation signal). */
  signal?: AbortSignal;
}

export interface SubmitResult {
  batchId: string;
  /** True when find-before-create found a batch made by an earlier try. */
  reused: boolean;
  /** What proves the batch is this submission's when its results are read (Anthropic: the sentinel's custom ID). */
  proof?: string;
}

export interface ProviderBatchStatus {
  state: BatchState;
  /** The provider's own status word, for people reading the status. */
  providerStatus: string;
  counts: { total: number; succeeded: number; failed: number };
  /** Why the whole batch failed, when it did. */
  error?: string;
}

/** One item's raw answer as the provider gave it; the fetch activity parses and validates it. */
export type RawItemResult =
  | {
      customId: string;
      kind: 'message';
      /** The text that should hold the JSON answer (null when the model produced none). */
      text: string | null;
      finishReason: 'stop' | 'length' | 'refusal' | 'other';
      refusal?: string;
      usage?: Usage;
    }
  | {
      customId: string;
      kind: 'error';
      errorType: ItemErrorType;
      message: string;
      /** False when trying again cannot help (e.g. a 400 invalid_request for this item). */
      retryable: boolean;
    };

export interface ProviderAdapter {
  readonly name: ProviderName;
  readonly limits: ProviderLimits;
  /** An error message when the provider forbids this custom ID, else undefined. */
  checkCustomId(customId: string): string | undefined;
  /** Bytes one request adds to a batch's body (for planning chunks against `limits.maxBytes`). */
  requestSize(request: PreparedRequest, chunk: Omit<ChunkSpec, 'requests' | 'tag'>): number;
  /** Find-before-create: returns the existing batch for `chunk.tag`, or builds the body in memory and creates one. */
  submit(chunk: ChunkSpec, ctx: SubmitContext): Promise<SubmitResult>;
  /**
   * The batch a stopped submit of this chunk may have created (found by its tag; Anthropic: by its
   * sentinel), or undefined. Only looks; never creates.
   */
  findSubmission(
    chunk: { tag: string; requestCount: number },
    ctx: Pick<SubmitContext, 'firstTryAtMs' | 'signal'>,
  ): Promise<string | undefined>;
  status(batchId: string, opts?: CallOptions): Promise<ProviderBatchStatus>;
  cancel(batchId: string, opts?: CallOptions): Promise<void>;
  /**
   * Streams every item's answer, a batch at a time (one per read of the download: a line-at-a-time
   * stream costs a few promises per line at every layer); items the provider never reports are the
   * caller's to account for. `chunk` is the submission the batch was created for (adapters may
   * verify the batch against it).
   */
  results(batchId: string, chunk: ChunkIds): AsyncIterable<RawItemResult[]>;
}

/** Where adapters send their HTTP calls. */
export interface ProviderEndpoint {
  apiKey: string;
  /** Undefined for the provider's real API. */
  baseURL?: string;
}
