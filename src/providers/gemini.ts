/**
 * Gemini Batch API adapter (official `@google/genai`, Developer API).
 *
 * Find-before-create: every batch is created with `displayName = chunk.tag`. A retry (`ctx.isRetry`)
 * first lists batches for that name, page by page, back to the first try minus 10 minutes (list
 * order is not documented: listing-window.ts stops early only on a listing seen to be newest first).
 * Retries within this process are coalesced first (submit-memory.ts), which also covers a retry that
 * starts while the timed-out first try's create call is still in flight (invisible to any list).
 * The create call itself is never retried by the SDK (a retried POST that had landed would be a
 * second billed batch); only 429s, which guarantee nothing was created, are retried here.
 *
 * Small chunks go inline; bigger ones (over `inlineMaxBytes`) become a JSONL file built in memory
 * and uploaded with `files.upload` (a Blob: nothing touches disk).
 *
 * Results: inlined responses are matched by `metadata.key`, else by position (they come back in
 * input order); responses-file lines by `key`. An EXPIRED batch has no results at all, so every item
 * is reported `expired` (retryable). Items Gemini never reports are not invented here: the caller
 * accounts for missing ones (e.g. a FAILED batch yields nothing).
 */
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { ApiError, type BatchJob } from './gemini-sdk';
import { isTerminalBatchState } from '../types';
import { parsedResults } from './parsed-results';
import { createOnce } from './create-once';
import { GeminiClient } from './gemini-client';
import { ListingWindow } from './listing-window';
import { generationConfig, inputLine, toInlinedRequest, type ChunkShape } from './gemini-request';
import { decodeItem } from './gemini-results';
import { jsonlParts } from './jsonl-blob';
import { toBatchState, toProviderStatus } from './gemini-status';
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

/** Inline requests must stay under 20 MB in total; 10 MB leaves room for encoding differences. */
export const DEFAULT_INLINE_MAX_BYTES = 10 * 1024 * 1024;
/**
 * Input files may be 2 GB, but the file is built in the worker's memory (never on disk), so a chunk
 * is capped at 512 MB to keep a worker's peak memory sane; more chunks cost nothing extra.
 */
const MAX_BYTES = 512 * 1024 * 1024;
/**
 * Gemini documents no per-batch request count. 100,000 matches Anthropic's cap, keeps result files
 * and the blast radius of one failed batch bounded, and is far below anything the byte cap allows.
 */
const MAX_REQUESTS = 100_000;
/** Keys travel in inline metadata and file lines; no limit is documented, 512 keeps them sane in logs. */
const MAX_KEY_LENGTH = 512;
/** How far before the first try the search looks (clock skew between the worker and Google). */
const SEARCH_SLACK_MS = 10 * 60_000;
const LIST_PAGE_SIZE = 100;

/** @google/genai takes the signal as `config.abortSignal`; spread in only when there is one. */
function abortable(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

export interface GeminiAdapterOptions {
  /** Chunks whose inline body would exceed this many bytes are uploaded as a JSONL file. */
  inlineMaxBytes?: number;
  /** Attempts (first call included) for idempotent calls on 408/429/5xx; default 4. */
  attempts?: number;
  /** Batches per list page when searching for an earlier try's batch; default 100. */
  listPageSize?: number;
}

export function createGeminiAdapter(endpoint: ProviderEndpoint, options: GeminiAdapterOptions = {}): ProviderAdapter {
  const inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
  const ai = new GeminiClient({
    apiKey: endpoint.apiKey,
    vertexai: false, // never let GOOGLE_GENAI_USE_VERTEXAI in the environment switch the backend
    httpOptions: {
      ...(endpoint.baseURL && { baseUrl: endpoint.baseURL }),
      retryOptions: { attempts: options.attempts ?? 4, initialDelay: 0.5, maxDelay: 10 },
    },
  });
  const memory = new SubmitMemory();
  const requestSize = (request: ChunkSpec['requests'][number], chunk: ChunkShape) =>
    Buffer.byteLength(inputLine(request, generationConfig(chunk)));

  /** A tag is unique per (job, run, attempt, chunk): a match is ours whatever its age; age only ends the paging. */
  async function findByTag(tag: string, ctx: Pick<SubmitContext, 'firstTryAtMs' | 'signal'>): Promise<string | undefined> {
    const window = new ListingWindow(ctx.firstTryAtMs - SEARCH_SLACK_MS);
    // The pager keeps this config (the signal included) for every nextPage() call.
    const pager = await ai.batches.list({ config: { pageSize: options.listPageSize ?? LIST_PAGE_SIZE, ...abortable(ctx.signal) } });
    for (let page = pager.page; ; page = await pager.nextPage()) {
      for (const job of page) {
        if (job.displayName === tag && job.name) return job.name;
        if (window.pastWindow(Date.parse(job.createTime ?? ''))) return undefined;
      }
      if (!pager.hasNextPage()) return undefined;
    }
  }

  /** Without SDK retries: only a 429 (refused, nothing created) is tried again (create-once.ts). */
  function createBatch(chunk: ChunkSpec, src: Parameters<typeof ai.batches.create>[0]['src'], signal?: AbortSignal): Promise<BatchJob> {
    return createOnce(
      () =>
        ai.batches.create({
          model: chunk.model,
          src,
          config: { displayName: chunk.tag, httpOptions: { retryOptions: { attempts: 1 } }, ...abortable(signal) },
        }),
      { refused: (err) => err instanceof ApiError && err.status === 429 },
      signal,
    );
  }

  async function upload(chunk: ChunkSpec, signal?: AbortSignal): Promise<string> {
    const config = generationConfig(chunk);
    // Parts encoded a group of lines at a time (jsonl-blob.ts): never one giant string, nor a file on disk.
    const blob = new Blob(
      jsonlParts(chunk.requests, (r) => inputLine(r, config)),
      { type: 'application/jsonl' },
    );
    const file = await ai.files.upload({
      file: blob,
      config: { mimeType: 'application/jsonl', displayName: chunk.tag, ...abortable(signal) },
    });
    if (!file.name) throw new Error('Gemini accepted the upload but returned no file name');
    return file.name;
  }

  async function submitOnce(chunk: ChunkSpec, ctx: SubmitContext): Promise<SubmitResult> {
    if (ctx.isRetry) {
      const existing = await findByTag(chunk.tag, ctx);
      if (existing) return { batchId: existing, reused: true };
    }
    let bytes = 0;
    const inline = chunk.requests.every((r) => (bytes += requestSize(r, chunk)) <= inlineMaxBytes);
    const config = generationConfig(chunk);
    const src = inline ? chunk.requests.map((r) => toInlinedRequest(r, config)) : await upload(chunk, ctx.signal);
    const job = await createBatch(chunk, src, ctx.signal);
    if (!job.name) throw new Error('Gemini created a batch but returned no name');
    return { batchId: job.name, reused: false };
  }

  async function* fileResults(fileName: string, onLine?: () => void, signal?: AbortSignal): AsyncIterable<RawItemResult[]> {
    const body = await ai.download(fileName, signal);
    yield* parsedResults(body as NodeReadableStream<Uint8Array>, 'gemini', onLine);
  }

  return {
    name: 'gemini',
    limits: { maxRequests: MAX_REQUESTS, maxBytes: MAX_BYTES },

    checkCustomId(customId) {
      if (customId.length === 0) return 'custom IDs for Gemini must not be empty';
      if (customId.length > MAX_KEY_LENGTH) return `custom IDs for Gemini must be at most ${MAX_KEY_LENGTH} characters`;
      return undefined;
    },

    requestSize,

    submit(chunk, ctx) {
      return memory.run(chunk.tag, () => submitOnce(chunk, ctx), ctx.signal);
    },

    findSubmission(chunk, ctx) {
      return findByTag(chunk.tag, ctx);
    },

    async status(batchId, opts): Promise<ProviderBatchStatus> {
      return toProviderStatus(await ai.rawBatch(batchId, opts?.signal));
    },

    async cancel(batchId, opts) {
      const op = await ai.rawBatch(batchId, opts?.signal);
      // Ended already: nothing to cancel (and no error for a cancel that raced the end).
      if (!isTerminalBatchState(toBatchState(op.metadata?.state)))
        await ai.batches.cancel({ name: batchId, config: abortable(opts?.signal) });
    },

    async *results(batchId, chunk): AsyncIterable<RawItemResult[]> {
      const job = await ai.batches.get({ name: batchId, config: abortable(chunk.signal) });
      const state = toBatchState(job.state);
      if (state === 'expired') {
        yield Array.from(chunk.ids, (customId) => ({
          customId,
          kind: 'error',
          errorType: 'expired',
          message: 'The Gemini batch expired (48 h) before it finished; Gemini returns no results for expired batches.',
          retryable: true,
        }));
        return;
      }
      if (!isTerminalBatchState(state)) throw new Error(`Gemini batch ${batchId} has not finished (${job.state}); no results yet`);
      const { ids } = chunk;
      const inlined = job.dest?.inlinedResponses;
      if (inlined) {
        // Inline answers came in the batch's own JSON, all at once: one batch of them.
        const out: RawItemResult[] = [];
        for (const [i, item] of inlined.entries()) {
          const key = item.metadata?.key ?? (i < ids.size ? ids.at(i) : undefined);
          if (key !== undefined && ids.has(key)) out.push(decodeItem(key, item));
        }
        if (out.length) yield out;
      } else if (job.dest?.fileName) {
        for await (const results of fileResults(job.dest.fileName, chunk.onLine, chunk.signal)) {
          // A line of an item not in this chunk is none of its business.
          const ours = results.filter((r) => ids.has(r.customId));
          if (ours.length) yield ours;
        }
      }
    },
  };
}
