import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import { chunkTag, type JobRef, type RequestsRef } from '../src/job';
import type { StoredRequest } from '../src/store';
import { toCanonicalJsonSchema } from '../src/schema';
import { CustomIdIndex } from '../src/providers/custom-id-index';
import type { ChunkSpec, ProviderAdapter } from '../src/providers/types';
import type { ActivityDeps } from './deps';
import type { ChunkAddress } from './submit-chunk';

/** What every activity derives from a job reference: its adapter, schema and chunk shape. */
export interface JobContext {
  adapter: ProviderAdapter;
  schema: z.ZodType;
  shape: Omit<ChunkSpec, 'requests' | 'tag'>;
}

export function jobContext(deps: ActivityDeps, ref: JobRef): JobContext {
  const schema = deps.schemas[ref.schemaName];
  if (!schema) {
    throw ApplicationFailure.nonRetryable(
      `schema "${ref.schemaName}" is not registered on this worker (registered: ${Object.keys(deps.schemas).join(', ') || 'none'}); ` +
        'give the worker the same schema registry as the client',
      'InvalidJob',
    );
  }
  const jsonSchema = toCanonicalJsonSchema(schema, ref.schemaName);
  return {
    adapter: deps.providers.get(ref.provider),
    schema,
    shape: { jobId: ref.jobId, model: ref.model, params: ref.params, output: { name: ref.schemaName, jsonSchema } },
  };
}

/** A chunk's items, read from the store by its address (attempt, position, size): nothing else of the job. */
export function chunkItems(deps: ActivityDeps, ref: JobRef, source: RequestsRef, chunk: ChunkAddress): Promise<StoredRequest[]> {
  return wholeChunk(deps.store.readAttemptItems(ref.jobId, source.set, chunk.attempt, chunk.offset, chunk.size), ref, source, chunk);
}

/** A chunk's custom IDs (in order, looked up by ID) and each one's position in the job. */
export interface ChunkIdIndex {
  ids: CustomIdIndex;
  /** The job position (`idx`) of the chunk's item at each position of `ids`. */
  idx: Float64Array;
}

/** A chunk's positions and custom IDs only, by its address: what reading its results needs. */
export async function chunkIds(deps: ActivityDeps, ref: JobRef, source: RequestsRef, chunk: ChunkAddress): Promise<ChunkIdIndex> {
  const customIds: string[] = [];
  const idx: number[] = [];
  for await (const entry of deps.store.readAttemptIds(ref.jobId, source.set, chunk.attempt, chunk.offset, chunk.size)) {
    customIds.push(entry.customId);
    idx.push(entry.idx);
  }
  checkWhole(customIds.length, ref, source, chunk);
  return { ids: new CustomIdIndex(customIds), idx: Float64Array.from(idx) };
}

/** All of a chunk's entries, or an error if the store holds fewer than were planned. */
async function wholeChunk<T>(entries: AsyncIterable<T>, ref: JobRef, source: RequestsRef, chunk: ChunkAddress): Promise<T[]> {
  const all: T[] = [];
  for await (const entry of entries) all.push(entry);
  checkWhole(all.length, ref, source, chunk);
  return all;
}

function checkWhole(count: number, ref: JobRef, source: RequestsRef, chunk: ChunkAddress): void {
  if (count === chunk.size) return;
  throw new Error(
    `the job store ${source.storeUrl} holds ${count} items for attempt ${chunk.attempt}, chunk ${chunk.index} of job ` +
      `${ref.jobId}; the plan has ${chunk.size}`,
  );
}

/** The chunk's tag as the workflow keeps it; computed only for chunks planned before it was kept. */
export function tagOf(ref: JobRef, chunk: Pick<ChunkAddress, 'attempt' | 'index' | 'tag'>): string {
  return chunk.tag ?? chunkTag(ref, chunk.attempt, chunk.index);
}
