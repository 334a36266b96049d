import { ApplicationFailure } from '@temporalio/activity';
import type { z } from 'zod';
import type { JobRef } from '../src/job';
import { latestOutcomes } from '../src/store';
import { toCanonicalJsonSchema } from '../src/schema';
import type { ChunkSpec, ProviderAdapter } from '../src/providers/types';
import type { PreparedRequest } from '../src/types';
import type { ActivityDeps } from './deps';

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

/**
 * The items an attempt submits: all of them first, then those whose outcome after the attempt
 * before is a retryable failure of that attempt. Read from earlier attempts only, so it stays the
 * same once this attempt's own results start arriving: planning, each chunk's submit and each
 * chunk's fetch (retried or not) all slice the same list.
 */
export async function attemptItems(deps: ActivityDeps, ref: JobRef, attempt: number): Promise<PreparedRequest[]> {
  if (attempt === 1) return ref.requests;
  const latest = await latestOutcomes(deps.store, ref.jobId, { beforeAttempt: attempt });
  return ref.requests.filter((r) => {
    const o = latest.get(r.customId);
    return o !== undefined && !o.ok && o.retryable === true && o.attempt === attempt - 1;
  });
}

/**
 * The idempotency key of one submission, carried by its provider batch: job, run, attempt, chunk.
 * The run part (48 random bits of the first run's ID) tells a reused job ID's batches from the old job's.
 */
export function chunkTag(ref: Pick<JobRef, 'jobId' | 'runId'>, attempt: number, chunk: number): string {
  return `${ref.jobId}/r${ref.runId.replace(/-/g, '').slice(-12)}/a${attempt}/c${chunk}`;
}
