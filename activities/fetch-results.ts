import type { ChunkResultSummary, JobRef } from '../src/job';
import { ForeignBatchError } from '../src/providers/errors';
import type { ItemSpan } from '../src/store';
import { OutcomeGroups } from '../src/store/outcome-groups';
import { ChunkOutcomes } from './chunk-outcomes';
import { classifyItem, missingResult, type ChunkEnd } from './classify-result';
import type { ActivityDeps } from './deps';
import { asActivityFailure } from './failures';
import { Progress, withHeartbeat } from './heartbeat';
import { chunkIds, jobContext, tagOf } from './job-context';
import { jobSource } from './job-source';
import type { ChunkAddress } from './submit-chunk';

export interface FetchInput {
  chunk: ChunkAddress;
  /** Undefined for a chunk that was never submitted (the job was cancelled first). */
  batchId?: string;
  batchState: ChunkEnd;
  batchError?: string;
}

/**
 * Outcomes written to the store per call: bounded memory whatever the chunk's size (one group
 * filling while the one before is written, see OutcomeGroups), one await per group, not per line.
 */
const WRITE_GROUP = 1_000;

/**
 * Streams a finished batch's results, validates each with the zod schema, and writes one outcome
 * for every item of the chunk to the store in bounded groups (the chunk's outcomes are replaced as
 * a whole on commit: safe to repeat). Returns counts only: item data never enters workflow history.
 */
export function createFetchResults(deps: ActivityDeps) {
  return async function fetchResults(ref: JobRef, input: FetchInput): Promise<ChunkResultSummary> {
    try {
      return await fetchChunk(ref, input);
    } catch (err) {
      throw asActivityFailure(err);
    }
  };

  async function fetchChunk(ref: JobRef, input: FetchInput): Promise<ChunkResultSummary> {
    const progress = new Progress();
    const ctx = jobContext(deps, ref);
    const { chunk } = input;
    // Only IDs and positions: the messages are not needed to read answers.
    const { ids, idx } = await withHeartbeat(async () => chunkIds(deps, ref, await jobSource(deps, ref), chunk));
    const span = spanOf(idx);
    let writer = await withHeartbeat(() => deps.store.openOutcomeWriter(ref.jobId, chunk.attempt, chunk.index, span));
    const written = (count: number) => progress.advance('written', count);
    let groups = new OutcomeGroups(writer, WRITE_GROUP, written);
    try {
      let tracked = new ChunkOutcomes(ids.size);
      let { batchState, batchError }: Pick<FetchInput, 'batchState' | 'batchError'> = input;

      if (input.batchId) {
        const batchId = input.batchId;
        const { schema } = ctx;
        const { jsonSchema } = ctx.shape.output;
        try {
          const onLine = () => progress.advance('lines');
          const results = ctx.adapter.results(batchId, {
            ids,
            tag: tagOf(ref, chunk),
            onLine,
            signal: progress.signal,
            ...(chunk.proof && { proof: chunk.proof }),
          });
          for await (const batch of results) {
            for (const raw of batch) {
              const pos = ids.position(raw.customId);
              if (pos < 0) continue; // not ours: never let a stray line into the job
              // A success beats a failure for the same ID (e.g. a partial retry inside the provider).
              if (tracked.succeeded(pos)) continue;
              const outcome = classifyItem(idx[pos]!, raw, chunk.attempt, schema, jsonSchema, ref.retryOn);
              tracked.record(pos, outcome);
              // Only every WRITE_GROUP-th line waits (for the write before): the rest stay synchronous.
              const full = groups.add(outcome);
              if (full) await full;
            }
          }
        } catch (err) {
          if (!(err instanceof ForeignBatchError)) throw err;
          // A write that failed before this point fails the fetch, as it did when writes were awaited in turn.
          await groups.settle();
          // Nothing of that batch is ours: every item is re-submitted as if the provider had lost it.
          // Whatever was written from it goes (a foreign ID can turn up after lines that looked ours).
          groups.drop();
          await writer.abort();
          writer = await deps.store.openOutcomeWriter(ref.jobId, chunk.attempt, chunk.index, span);
          groups = new OutcomeGroups(writer, WRITE_GROUP, written);
          tracked = new ChunkOutcomes(ids.size);
          batchState = 'completed';
          batchError = err.message;
        }
      }

      for (let pos = 0; pos < ids.size; pos++) {
        if (tracked.seen(pos)) continue;
        const outcome = { idx: idx[pos]!, ...missingResult(ids.at(pos), chunk.attempt, batchState, batchError, ref.retryOn) };
        tracked.record(pos, outcome);
        const full = groups.add(outcome);
        if (full) await full;
      }
      progress.done();
      await groups.flush();
      await groups.settle();
      await withHeartbeat(() => writer.commit());
      return tracked.summary();
    } catch (err) {
      // The writer takes no abort while a write is in flight. A write that had failed is the error
      // to report: with writes awaited in turn, the fetch would have stopped there.
      const writeError = await groups.settle().then(
        () => undefined,
        (e: unknown) => e,
      );
      await writer.abort();
      throw writeError ?? err;
    }
  }
}

/** The lowest and highest `idx` of a chunk's items: where its rows are in the store's item order. */
function spanOf(positions: Float64Array): ItemSpan | undefined {
  if (positions.length === 0) return undefined;
  let first = Infinity;
  let last = -Infinity;
  for (const idx of positions) {
    if (idx < first) first = idx;
    if (idx > last) last = idx;
  }
  return { first, last };
}
