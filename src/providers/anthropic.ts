/**
 * Anthropic Message Batches adapter (official `@anthropic-ai/sdk`).
 *
 * ## Find-before-create without metadata: the design and what it guarantees
 * Anthropic batches carry no metadata, and nothing about their contents is visible until they end.
 * A crash between "Anthropic created the batch" and "the activity recorded its ID" must neither leave
 * a second billed batch behind nor hand back someone else's answers. Four layers:
 *
 * 1. **Only safe retries inside `submit`.** The create call runs with SDK retries off; only 429 and
 *    529 (refused at the door: nothing created) are retried here. A timeout or 5xx may have created
 *    the batch, so it surfaces as an error and the activity's retry takes the search path below.
 * 2. **In-process memory** (submit-memory.ts): a retry in the same worker — the usual case, an
 *    activity timeout while the first try is still running — waits for / adopts that try's batch.
 *    A batch later proven foreign (layer 4) is forgotten, so resubmitting the tag searches again.
 * 3. **Provider-side search on retries** (`ctx.isRetry`, anthropic-adopt.ts): list batches newest first
 *    back to `firstTryAtMs - 60 s`; candidates have exactly this chunk's request count (+1, see 4),
 *    no cancel, and are not known to belong to another chunk. An ended candidate is adopted only if
 *    its results prove it is ours; otherwise a running candidate is adopted on trust: the earliest
 *    created after the first try began, else (clock skew) the latest created before it.
 * 4. **A sentinel request** in every batch (anthropic-sentinel.ts) whose custom_id digests the chunk's
 *    tag (job, run, attempt, chunk: unique per submission). `results()` yields nothing until it has seen it, so a wrongly adopted
 *    batch (e.g. another job's chunk of the same size, even with the same default IDs) throws
 *    `AnthropicBatchMismatchError` before a single foreign answer is recorded; resubmitting is then
 *    safe, and the next search skips that batch (ended, proven foreign).
 *
 * Guarantees: no duplicate batch from retries within one process, or across processes as long as the
 * orphan is in the listing (layer 3); never a foreign batch's results recorded as ours (layer 4).
 * What remains: after a cross-process crash, if another submission of the same size is created in the
 * same minute, the running candidate may be the wrong one; that costs a resubmission after it ends
 * (and the real orphan runs unused), never wrong data.
 *
 * Results: items Anthropic never reports are not invented here; the caller accounts for missing ones.
 * A broken line in the results file is its item's `invalid_json` (anthropic-results.ts), never a
 * failed fetch; one that does not even name its item is dropped like a lost one.
 */
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import type { BatchCreateParams, MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { AnthropicBatchMismatchError, findOrphan, verifiedResults } from './anthropic-adopt';
import { createOnce, retryAfterFromHeaders } from './create-once';
import { batchRequestBytes, sharedParams, toBatchRequest, type ChunkShape } from './anthropic-request';
import { sentinelId, sentinelRequest } from './anthropic-sentinel';
import { toProviderStatus } from './anthropic-status';
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

export { AnthropicBatchMismatchError } from './anthropic-adopt';

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
/** Batch limits: 100,000 requests or 256 MB, whichever comes first (batch-processing guide). */
const MAX_REQUESTS = 100_000;
const MAX_BYTES = 256 * 1000 * 1000; // "MB" read as 10^6 bytes: the smaller reading is the safe one
/** Room for the sentinel request and the `{"requests":[...]}` wrapper. */
const SENTINEL_RESERVE_BYTES = 1024;

export interface AnthropicAdapterOptions {
  /** SDK retries for idempotent calls (retrieve, list, cancel, results); default 3. */
  maxRetries?: number;
}

export function createAnthropicAdapter(endpoint: ProviderEndpoint, options: AnthropicAdapterOptions = {}): ProviderAdapter {
  const client = new Anthropic({ apiKey: endpoint.apiKey, baseURL: endpoint.baseURL, maxRetries: options.maxRetries ?? 3 });
  const memory = new SubmitMemory();

  /** Without SDK retries: only 429/529 (refused, nothing created) are tried again (create-once.ts). */
  function createBatch(requests: BatchCreateParams.Request[], signal?: AbortSignal): Promise<MessageBatch> {
    return createOnce(
      () => client.messages.batches.create({ requests }, { maxRetries: 0, signal }),
      {
        refused: (err) => err instanceof APIError && (err.status === 429 || err.status === 529),
        retryAfterMs: (err) => retryAfterFromHeaders((err as APIError).headers),
      },
      signal,
    );
  }

  async function submitOnce(chunk: ChunkSpec, ctx: SubmitContext): Promise<SubmitResult> {
    const sentinel = sentinelRequest(chunk.tag, chunk.model);
    if (ctx.isRetry) {
      const orphan = await findOrphan(client, {
        sentinel: sentinel.custom_id,
        requestCount: chunk.requests.length,
        firstTryAtMs: ctx.firstTryAtMs,
        skip: (id) => memory.ownedByOther(id, chunk.tag),
        signal: ctx.signal,
      });
      if (orphan) return { batchId: orphan, reused: true, proof: sentinel.custom_id };
    }
    const shared = sharedParams(chunk);
    const batch = await createBatch([sentinel, ...chunk.requests.map((r) => toBatchRequest(r, shared))], ctx.signal);
    return { batchId: batch.id, reused: false, proof: sentinel.custom_id };
  }

  return {
    name: 'anthropic',
    // One request slot and a little room are kept for the sentinel.
    limits: { maxRequests: MAX_REQUESTS - 1, maxBytes: MAX_BYTES - SENTINEL_RESERVE_BYTES },

    checkCustomId(customId) {
      if (CUSTOM_ID.test(customId)) return undefined;
      return (
        `custom ID ${JSON.stringify(customId.length > 80 ? `${customId.slice(0, 80)}…` : customId)} is not allowed by Anthropic: ` +
        "use 1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'"
      );
    },

    requestSize(request, chunk: ChunkShape) {
      return batchRequestBytes(toBatchRequest(request, sharedParams(chunk)));
    },

    async submit(chunk, ctx) {
      // The proof travels with every answer, a batch remembered in this process included.
      return { ...(await memory.run(chunk.tag, () => submitOnce(chunk, ctx), ctx.signal)), proof: sentinelId(chunk.tag) };
    },

    findSubmission(chunk, ctx) {
      return findOrphan(client, {
        sentinel: sentinelId(chunk.tag),
        requestCount: chunk.requestCount,
        firstTryAtMs: ctx.firstTryAtMs,
        skip: (id) => memory.ownedByOther(id, chunk.tag),
        signal: ctx.signal,
      });
    },

    async status(batchId, opts): Promise<ProviderBatchStatus> {
      return toProviderStatus(await client.messages.batches.retrieve(batchId, {}, { signal: opts?.signal }));
    },

    async cancel(batchId, opts) {
      const signal = opts?.signal;
      const batch = await client.messages.batches.retrieve(batchId, {}, { signal });
      // Canceling or ended: nothing to do (and no error for a cancel that raced the end).
      if (batch.processing_status === 'in_progress') await client.messages.batches.cancel(batchId, {}, { signal });
    },

    async *results(batchId, chunk): AsyncIterable<RawItemResult[]> {
      try {
        yield* verifiedResults(client, batchId, chunk.ids, chunk.proof ?? sentinelId(chunk.tag), undefined, chunk.onLine, chunk.signal);
      } catch (err) {
        // Not ours after all: the next submit of that tag must not adopt it again from memory.
        if (err instanceof AnthropicBatchMismatchError) memory.forget(batchId);
        throw err;
      }
    },
  };
}
