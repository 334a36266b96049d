import OpenAI, { APIConnectionError, APIError, APIUserAbortError, toStreamingFile } from 'openai';
import type { BatchState } from '../types';
import { parsedResults } from './parsed-results';
import { createOnce, retryAfterFromHeaders } from './create-once';
import { ListingWindow } from './listing-window';
import { streamedJsonl } from './jsonl-blob';
import { inputLine, sharedBody, type ChunkShape } from './openai-lines';
import { SubmitMemory } from './submit-memory';
import type {
  ChunkSpec,
  ProviderAdapter,
  ProviderBatchStatus,
  ProviderEndpoint,
  RawItemResult,
  SubmitContext,
  SubmitResult,
} from './types';

/** Metadata key holding the idempotency tag (job + attempt + chunk) on every batch durabatch creates. */
export const TAG_KEY = 'durabatch_tag';
/** How far before the first try find-before-create looks (clock skew between worker and provider). */
const SEARCH_SLACK_MS = 10 * 60_000;
/** Input files are only needed while their batch runs (24 h window); let OpenAI delete them after a week. */
const INPUT_FILE_TTL_S = 7 * 24 * 3600;

const STATES: Record<string, BatchState> = {
  validating: 'validating',
  in_progress: 'in_progress',
  finalizing: 'finalizing',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
};

/**
 * The chunk's JSONL as an upload the SDK sends as it is made (toStreamingFile): each group of lines
 * is built when the request body asks for it (jsonl-blob.ts), so no copy of the body, as strings or
 * as bytes, is ever held whole (a chunk can be 200 MB). A streamed body is made anew for each try.
 */
function jsonlUpload(chunk: ChunkSpec, name: string) {
  const body = sharedBody(chunk);
  return toStreamingFile(
    streamedJsonl(chunk.requests, (r) => inputLine(r, body)),
    name,
    { type: 'application/jsonl' },
  );
}

/** A failure the SDK would have retried: no answer at all, or 408 / 409 / 429 / 5xx. */
function transientUploadError(err: unknown): boolean {
  if (err instanceof APIUserAbortError) return false;
  if (err instanceof APIConnectionError) return true;
  if (!(err instanceof APIError) || err.status === undefined) return false;
  return err.status === 408 || err.status === 409 || err.status === 429 || err.status >= 500;
}

export function createOpenAIAdapter(endpoint: ProviderEndpoint): ProviderAdapter {
  // SDK retries (408/409/429/5xx, honouring Retry-After) for every call but the batch create: see create-once.ts.
  const client = new OpenAI({ apiKey: endpoint.apiKey, baseURL: endpoint.baseURL, maxRetries: 3 });
  const memory = new SubmitMemory();

  async function findByTag(tag: string, ctx: Pick<SubmitContext, 'firstTryAtMs' | 'signal'>): Promise<string | undefined> {
    const window = new ListingWindow(ctx.firstTryAtMs - SEARCH_SLACK_MS);
    // The SDK carries the request options (the signal) on to every next page.
    for await (const batch of client.batches.list({ limit: 100 }, { signal: ctx.signal })) {
      if (batch.metadata?.[TAG_KEY] === tag) return batch.id;
      if (window.pastWindow(batch.created_at * 1000)) return undefined;
    }
    return undefined;
  }

  /** Find-before-create: a retry looks for the batch an earlier try may have created before its crash. */
  async function submitOnce(chunk: ChunkSpec, ctx: SubmitContext): Promise<SubmitResult> {
    if (ctx.isRetry) {
      const existing = await findByTag(chunk.tag, ctx);
      if (existing) return { batchId: existing, reused: true };
    }
    // An upload is safe to repeat (a repeat leaves at most an unused file, which expires); the SDK
    // cannot retry a streamed body, so its transient failures get the same few quick tries here.
    const file = await createOnce(
      () =>
        client.files.create(
          {
            file: jsonlUpload(chunk, `${chunk.tag.replace(/[^a-zA-Z0-9_.-]/g, '_')}.jsonl`),
            purpose: 'batch',
            expires_after: { anchor: 'created_at', seconds: INPUT_FILE_TTL_S },
          },
          { signal: ctx.signal },
        ),
      { refused: transientUploadError, retryAfterMs: (err) => retryAfterFromHeaders((err as APIError).headers) },
      ctx.signal,
    );
    const batch = await createOnce(
      () =>
        client.batches.create(
          {
            input_file_id: file.id,
            endpoint: '/v1/chat/completions',
            completion_window: '24h',
            metadata: { [TAG_KEY]: chunk.tag, durabatch_job: chunk.jobId.slice(0, 512) },
          },
          { maxRetries: 0, signal: ctx.signal },
        ),
      {
        refused: (err) => err instanceof APIError && err.status === 429,
        retryAfterMs: (err) => retryAfterFromHeaders((err as APIError).headers),
      },
      ctx.signal,
    );
    return { batchId: batch.id, reused: false };
  }

  async function* fileResults(fileId: string, onLine?: () => void, signal?: AbortSignal): AsyncIterable<RawItemResult[]> {
    const response = await client.files.content(fileId, { signal });
    if (!response.body) return;
    yield* parsedResults(response.body, 'openai', onLine);
  }

  return {
    name: 'openai',
    // Batch API limits: 50,000 requests and a 200 MB input file per batch ("MB" read as 10^6 bytes:
    // the smaller reading is the safe one).
    limits: { maxRequests: 50_000, maxBytes: 200 * 1000 * 1000 },

    checkCustomId(customId) {
      // OpenAI documents no rule; 512 keeps IDs sane in metadata, logs and file lines.
      return customId.length > 512 ? 'custom IDs for OpenAI must be at most 512 characters' : undefined;
    },

    requestSize(request, chunk: ChunkShape) {
      return Buffer.byteLength(inputLine(request, sharedBody(chunk)));
    },

    submit(chunk, ctx) {
      return memory.run(chunk.tag, () => submitOnce(chunk, ctx), ctx.signal);
    },

    findSubmission(chunk, ctx) {
      return findByTag(chunk.tag, ctx);
    },

    async status(batchId, opts): Promise<ProviderBatchStatus> {
      const batch = await client.batches.retrieve(batchId, { signal: opts?.signal });
      const counts = batch.request_counts ?? { total: 0, completed: 0, failed: 0 };
      const errors = batch.errors?.data?.map((e) => `${e.code ?? 'error'}: ${e.message ?? ''}`.trim());
      return {
        state: STATES[batch.status] ?? 'in_progress',
        providerStatus: batch.status,
        counts: { total: counts.total, succeeded: counts.completed, failed: counts.failed },
        ...(errors?.length && { error: errors.join('; ') }),
      };
    },

    async cancel(batchId, opts) {
      const signal = opts?.signal;
      const batch = await client.batches.retrieve(batchId, { signal });
      if (['validating', 'in_progress', 'finalizing'].includes(batch.status)) await client.batches.cancel(batchId, { signal });
    },

    async *results(batchId, chunk): AsyncIterable<RawItemResult[]> {
      const batch = await client.batches.retrieve(batchId, { signal: chunk.signal });
      // The error file matters as much as the output file: items there are failures to account for.
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        yield* fileResults(fileId, chunk.onLine, chunk.signal);
      }
    },
  };
}
