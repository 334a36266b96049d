/**
 * Finding an Anthropic batch an earlier try created but never recorded, and proving from its results
 * that it holds this chunk. See the design notes at the top of anthropic.ts.
 */
import { ForeignBatchError } from './errors';
import type Anthropic from '@anthropic-ai/sdk';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { resultBatches } from './anthropic-lines';
import { batchTotal } from './anthropic-status';
import { ListingWindow } from './listing-window';
import type { RawItemResult } from './types';

/** How far before the first try the search looks: clock skew between the worker and Anthropic. */
export const SEARCH_SLACK_MS = 60_000;
/** Result lines held back (unverified) while waiting for the sentinel before switching to a scan. */
const MAX_HELD_LINES = 2_000;

/**
 * The batch handed to `results()` does not hold this chunk: find-before-create adopted a batch with
 * the same request count, created in the same minutes, that turned out to be someone else's.
 * Nothing was yielded. The chunk must be submitted again (a later search skips this batch: it has
 * ended and its results prove it is not ours).
 */
export class AnthropicBatchMismatchError extends ForeignBatchError {
  override name = 'AnthropicBatchMismatchError';
  constructor(
    readonly batchId: string,
    detail: string,
  ) {
    super(
      `Anthropic batch ${batchId} does not hold this chunk's requests (${detail}); it was adopted after a ` +
        'crash by find-before-create but belongs to another submission. Submit the chunk again.',
    );
  }
}

export interface OrphanSearch {
  sentinel: string;
  /** requests in the chunk, not counting the sentinel */
  requestCount: number;
  firstTryAtMs: number;
  /** batches this process knows belong to other chunks */
  skip: (batchId: string) => boolean;
  /** aborts every call of the search (the activity was cancelled) */
  signal?: AbortSignal;
}

/** True when the ended batch's results contain the sentinel: a complete scan, nothing kept. */
export async function holdsSentinel(client: Anthropic, batchId: string, sentinel: string, signal?: AbortSignal): Promise<boolean> {
  for await (const lines of resultBatches(client, batchId, signal)) if (lines.some((line) => line.customId === sentinel)) return true;
  return false;
}

/**
 * Back to the first try (minus slack): batches with exactly this chunk's size (+1 for the sentinel)
 * and no cancel. An ended candidate is checked for the sentinel (exact). If none qualifies, a running
 * candidate is taken on trust — `verifiedResults` checks it once it ends: the first try's batch was
 * created after that try began, so the earliest such batch; a batch from the slack before it (clock
 * skew) only when there is none, the latest of those. That keeps a sibling chunk of the same size,
 * submitted just before, from being taken for this one.
 */
export async function findOrphan(client: Anthropic, search: OrphanSearch): Promise<string | undefined> {
  const since = search.firstTryAtMs - SEARCH_SLACK_MS;
  const window = new ListingWindow(since);
  const candidates: MessageBatch[] = [];
  // The SDK carries the request options (the signal) on to every next page.
  for await (const batch of client.messages.batches.list({ limit: 100 }, { signal: search.signal })) {
    const createdMs = Date.parse(batch.created_at);
    if (window.pastWindow(createdMs)) break;
    if (createdMs < since) continue;
    if (batchTotal(batch) !== search.requestCount + 1) continue;
    if (batch.cancel_initiated_at || search.skip(batch.id)) continue;
    candidates.push(batch);
  }
  candidates.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at)); // oldest first
  for (const batch of candidates) {
    if (batch.processing_status === 'ended' && (await holdsSentinel(client, batch.id, search.sentinel, search.signal))) return batch.id;
  }
  const running = candidates.filter((b) => b.processing_status !== 'ended');
  return (running.find((b) => Date.parse(b.created_at) >= search.firstTryAtMs) ?? running.at(-1))?.id;
}

/**
 * The batch's results without the sentinel, after proving the batch holds this chunk: nothing is
 * yielded until the sentinel has been seen (lines read before it are held, then released). If it has
 * not shown up within `maxHeld` lines, the download is only scanned for it and the results are
 * read a second time, so memory stays bounded. A line with a foreign custom_id, or no sentinel at
 * all, throws AnthropicBatchMismatchError. A broken line counts by the custom_id it still shows
 * (the sentinel's included); one that shows none is dropped (its item ends as "no result").
 */
export async function* verifiedResults(
  client: Anthropic,
  batchId: string,
  /** The chunk's custom IDs (the sentinel's aside). */
  ids: { has(customId: string): boolean },
  sentinel: string,
  maxHeld = MAX_HELD_LINES,
  onLine?: () => void,
  signal?: AbortSignal,
): AsyncIterable<RawItemResult[]> {
  const foreign = (id: string) => new AnthropicBatchMismatchError(batchId, `it holds request ${JSON.stringify(id)}`);
  let mode: 'holding' | 'streaming' | 'scanning' = 'holding';
  let held: RawItemResult[] = [];
  let scanFound = false;
  reading: for await (const lines of resultBatches(client, batchId, signal, onLine)) {
    // What this read releases: the held lines once the sentinel shows up, then every line of ours.
    let out: RawItemResult[] = [];
    for (const line of lines) {
      if (line.customId === sentinel) {
        if (mode === 'scanning') {
          scanFound = true; // proven; the second pass yields everything
          break reading;
        }
        mode = 'streaming';
        out = held;
        held = [];
        continue;
      }
      if (!ids.has(line.customId)) throw foreign(line.customId);
      if (mode === 'streaming') out.push(line);
      else if (mode === 'holding' && held.length < maxHeld) held.push(line);
      else {
        mode = 'scanning';
        held = [];
      }
    }
    if (out.length) yield out;
  }
  if (mode === 'streaming') return;
  if (!scanFound) throw new AnthropicBatchMismatchError(batchId, 'its results lack the sentinel request');
  for await (const lines of resultBatches(client, batchId, signal, onLine)) {
    const out: RawItemResult[] = [];
    for (const line of lines) {
      if (line.customId === sentinel) continue;
      if (!ids.has(line.customId)) throw foreign(line.customId);
      out.push(line);
    }
    if (out.length) yield out;
  }
}
