/** Shared fixtures for the provider-adapter and emulator unit tests. */
import assert from 'node:assert/strict';
import { CustomIdIndex } from '../../src/providers/custom-id-index';
import type { ChunkIds, ChunkSpec, ProviderAdapter, ProviderBatchStatus, RawItemResult } from '../../src/providers/types';
import type { PreparedRequest } from '../../src/types';

export const PERSON_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
};

export function userRequest(customId: string, text: string): PreparedRequest {
  return { customId, messages: [{ role: 'user', content: text }] };
}

export function personChunk(
  model: string,
  tag: string,
  requests: PreparedRequest[],
  params: ChunkSpec['params'],
  jsonSchema: Record<string, unknown> = PERSON_SCHEMA,
): ChunkSpec {
  return { tag, jobId: 'job-1', model, requests, params, output: { name: 'person', jsonSchema } };
}

/** The custom IDs of `requests`, indexed as the fetch activity gives them to `results`. */
export const idIndex = (requests: ReadonlyArray<{ customId: string }>) => new CustomIdIndex(requests.map((r) => r.customId));

/** What `results` needs of a submitted chunk: its IDs and tag. */
export const resultsArgs = (chunk: ChunkSpec): ChunkIds => ({ ids: idIndex(chunk.requests), tag: chunk.tag });

/** Polls until the batch reaches a terminal state. */
export async function settle(adapter: ProviderAdapter, batchId: string): Promise<ProviderBatchStatus> {
  for (let i = 0; i < 500; i++) {
    const status = await adapter.status(batchId);
    if (['completed', 'failed', 'expired', 'cancelled'].includes(status.state)) return status;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`batch ${batchId} never settled`);
}

/** An adapter's results, batches joined. */
export async function collect(batches: AsyncIterable<RawItemResult[]>): Promise<RawItemResult[]> {
  const out: RawItemResult[] = [];
  for await (const batch of batches) out.push(...batch);
  return out;
}

/** The items of every batch, in order; an empty batch is a defect (a wasted await for every layer above). */
export async function joinBatches<T>(batches: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of batches) {
    assert.notEqual(batch.length, 0, 'no empty batch');
    out.push(...batch);
  }
  return out;
}

/** A submit context for a first try made now. */
export const firstTry = () => ({ firstTryAtMs: Date.now(), isRetry: false });
