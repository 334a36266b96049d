import type { ChunkResultSummary, JobRef } from '../src/job';
import { ForeignBatchError } from '../src/providers/errors';
import type { StoredOutcome } from '../src/store';
import type { BatchState } from '../src/types';
import { classifyResult, missingResult } from './classify-result';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { withHeartbeat } from './heartbeat';
import { attemptItems, chunkTag, jobContext } from './job-context';
import type { ChunkAddress } from './submit-chunk';

export interface FetchInput {
  chunk: ChunkAddress;
  /** Undefined for a chunk that was never submitted (the job was cancelled first). */
  batchId?: string;
  batchState: BatchState | 'unsubmitted';
  batchError?: string;
}

/**
 * Streams a finished batch's results, validates each with the zod schema, and writes one
 * outcome for every item of the chunk to the store (a rewrite replaces it: safe to repeat).
 * Returns counts only: item data never enters workflow history.
 */
export function createFetchResults(deps: ActivityDeps) {
  return async function fetchResults(ref: JobRef, input: FetchInput): Promise<ChunkResultSummary> {
    try {
      const ctx = jobContext(deps, ref);
      const { chunk } = input;
      const items = (await attemptItems(deps, ref, chunk.attempt)).slice(chunk.offset, chunk.offset + chunk.size);
      const wanted = new Set(items.map((r) => r.customId));
      let found = new Map<string, StoredOutcome>();
      let { batchState, batchError } = input;

      if (input.batchId) {
        const batchId = input.batchId;
        try {
          await withHeartbeat(async () => {
            for await (const raw of ctx.adapter.results(batchId, { requests: items, tag: chunkTag(ref, chunk.attempt, chunk.index) })) {
              if (!wanted.has(raw.customId)) continue; // not ours: never let a stray line into the job
              const prev = found.get(raw.customId);
              // A success beats a failure for the same ID (e.g. a partial retry inside the provider).
              if (prev?.ok) continue;
              found.set(raw.customId, classifyResult(raw, chunk.attempt, ctx.schema, ctx.shape.output.jsonSchema, ref.retryOn));
            }
          });
        } catch (err) {
          if (!(err instanceof ForeignBatchError)) throw err;
          // Nothing of that batch is ours: every item is re-submitted as if the provider had lost it.
          found = new Map();
          batchState = 'completed';
          batchError = err.message;
        }
      }

      const outcomes = items.map(
        (r) => found.get(r.customId) ?? missingResult(r.customId, chunk.attempt, batchState, batchError, ref.retryOn),
      );
      await deps.store.writeChunk(ref.jobId, chunk.attempt, chunk.index, outcomes);
      return summarise(outcomes);
    } catch (err) {
      throw asActivityFailure(err);
    }
  };
}

function summarise(outcomes: StoredOutcome[]): ChunkResultSummary {
  const summary: ChunkResultSummary = {
    succeeded: 0,
    failed: 0,
    retryable: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
    finalErrors: {},
    retryableErrors: {},
  };
  for (const o of outcomes) {
    if (o.usage) {
      summary.usage.inputTokens += o.usage.inputTokens;
      summary.usage.outputTokens += o.usage.outputTokens;
    }
    if (o.ok) {
      summary.succeeded += 1;
      continue;
    }
    summary.failed += 1;
    if (o.retryable) summary.retryable += 1;
    const byType = o.retryable ? summary.retryableErrors : summary.finalErrors;
    byType[o.error!.type] = (byType[o.error!.type] ?? 0) + 1;
  }
  return summary;
}
