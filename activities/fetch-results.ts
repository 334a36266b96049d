import type { ChunkResultSummary, JobRef } from '../src/job';
import { ForeignBatchError } from '../src/providers/errors';
import type { OutcomeWriter, StoredOutcome } from '../src/store';
import { ChunkOutcomes } from './chunk-outcomes';
import { classifyResult, missingResult, type ChunkEnd } from './classify-result';
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

/** Outcomes written to the store per call: bounded memory whatever the chunk's size. */
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
    const items = await withHeartbeat(async () => chunkIds(deps, ref, await jobSource(deps, ref), chunk));
    const position = new Map(items.map((item, pos) => [item.customId, pos]));
    let writer = await withHeartbeat(() => deps.store.openOutcomeWriter(ref.jobId, chunk.attempt, chunk.index));
    try {
      let tracked = new ChunkOutcomes(items.length);
      let group: StoredOutcome[] = [];
      const flush = async (out: OutcomeWriter) => {
        await out.write(group);
        progress.advance('written', group.length);
        group = [];
      };
      let { batchState, batchError }: Pick<FetchInput, 'batchState' | 'batchError'> = input;

      if (input.batchId) {
        const batchId = input.batchId;
        try {
          const onLine = () => progress.advance('lines');
          const results = ctx.adapter.results(batchId, { requests: items, tag: tagOf(ref, chunk), onLine, signal: progress.signal, ...(chunk.proof && { proof: chunk.proof }) });
          for await (const raw of results) {
            const pos = position.get(raw.customId);
            if (pos === undefined) continue; // not ours: never let a stray line into the job
            // A success beats a failure for the same ID (e.g. a partial retry inside the provider).
            if (tracked.succeeded(pos)) continue;
            const outcome = { idx: items[pos]!.idx, ...classifyResult(raw, chunk.attempt, ctx.schema, ctx.shape.output.jsonSchema, ref.retryOn) };
            tracked.record(pos, outcome);
            group.push(outcome);
            if (group.length >= WRITE_GROUP) await flush(writer);
          }
        } catch (err) {
          if (!(err instanceof ForeignBatchError)) throw err;
          // Nothing of that batch is ours: every item is re-submitted as if the provider had lost it.
          // Whatever was written from it goes (a foreign ID can turn up after lines that looked ours).
          await writer.abort();
          writer = await deps.store.openOutcomeWriter(ref.jobId, chunk.attempt, chunk.index);
          tracked = new ChunkOutcomes(items.length);
          group = [];
          batchState = 'completed';
          batchError = err.message;
        }
      }

      for (const [pos, item] of items.entries()) {
        if (tracked.seen(pos)) continue;
        const outcome = { idx: item.idx, ...missingResult(item.customId, chunk.attempt, batchState, batchError, ref.retryOn) };
        tracked.record(pos, outcome);
        group.push(outcome);
        if (group.length >= WRITE_GROUP) await flush(writer);
      }
      progress.done();
      await flush(writer);
      await withHeartbeat(() => writer.commit());
      return tracked.summary();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }
}
