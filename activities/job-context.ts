import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import type { JobRef, RequestsRef } from '../src/job';
import type { StoredRequest } from '../src/store';
import { toCanonicalJsonSchema } from '../src/schema';
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
export async function chunkItems(deps: ActivityDeps, ref: JobRef, source: RequestsRef, chunk: ChunkAddress): Promise<StoredRequest[]> {
  const items: StoredRequest[] = [];
  for await (const item of deps.store.readAttemptItems(ref.jobId, source.set, chunk.attempt, chunk.offset, chunk.size)) items.push(item);
  if (items.length !== chunk.size) {
    throw new Error(
      `the job store ${source.storeUrl} holds ${items.length} items for attempt ${chunk.attempt}, chunk ${chunk.index} of job ` +
        `${ref.jobId}; the plan has ${chunk.size}`,
    );
  }
  return items;
}

/** A chunk's positions and custom IDs only, by its address: what reading its results needs. */
export async function chunkIds(deps: ActivityDeps, ref: JobRef, source: RequestsRef, chunk: ChunkAddress): Promise<Array<Pick<StoredRequest, 'idx' | 'customId'>>> {
  const ids: Array<Pick<StoredRequest, 'idx' | 'customId'>> = [];
  for await (const item of deps.store.readAttemptIds(ref.jobId, source.set, chunk.attempt, chunk.offset, chunk.size)) ids.push(item);
  if (ids.length !== chunk.size) {
    throw new Error(`the job store ${source.storeUrl} holds ${ids.length} items for attempt ${chunk.attempt}, chunk ${chunk.index} of job ${ref.jobId}; the plan has ${chunk.size}`);
  }
  return ids;
}

export { chunkTag } from '../src/job';
