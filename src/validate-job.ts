/**
 * Every check that can be made before a provider is called, shared by the client (fails the
 * start call) and the workflow's first activity (fails the job, non-retryably).
 */
import type { z } from 'zod';
import { offlineAdapter } from './providers';
import { SchemaConversionError, toCanonicalJsonSchema } from './schema';
import type { JobTiming } from './job';
import { PROVIDERS, type GenerationParams, type PreparedRequest, type ProviderName } from './types';

export const JOB_ID = /^[A-Za-z0-9._-]{1,200}$/;

export class InvalidJobError extends Error {
  override name = 'InvalidJobError';
  constructor(readonly problems: string[]) {
    super(`invalid batch job:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface JobToCheck {
  jobId: string;
  provider: string;
  model: string;
  schemaName: string;
  schema: z.ZodType;
  requests: PreparedRequest[];
  params: GenerationParams;
  maxAttempts: number;
  timing?: JobTiming;
}

/** Polls closer than this would only load the provider and grow the job's history. */
const MIN_POLL_MS = 10;

function timingProblems(t: JobTiming): string[] {
  const problems: string[] = [];
  if (!(t.pollInitialMs >= MIN_POLL_MS)) problems.push(`timing.pollInitialMs must be at least ${MIN_POLL_MS} ms`);
  if (!(t.pollMaxMs >= t.pollInitialMs)) problems.push('timing.pollMaxMs must be at least timing.pollInitialMs');
  if (!(t.pollFactor >= 1)) problems.push('timing.pollFactor must be at least 1');
  if (!(t.heartbeatTimeoutMs >= 1000)) problems.push('timing.heartbeatTimeoutMs must be at least 1000 ms');
  if (t.cancelGraceMs !== undefined && !(t.cancelGraceMs >= 0)) problems.push('timing.cancelGraceMs must be 0 or more');
  return problems;
}

/** The problem with a provider name, if it names none durabatch knows. */
export function unknownProvider(provider: string): string | undefined {
  return PROVIDERS.includes(provider as ProviderName) ? undefined : `unknown provider "${provider}" (use ${PROVIDERS.join(', ')})`;
}

export function findJobProblems(job: JobToCheck): string[] {
  const problems: string[] = [];
  if (!JOB_ID.test(job.jobId)) problems.push(`job ID "${job.jobId}" must be 1-200 characters of A-Z a-z 0-9 . _ -`);
  const providerProblem = unknownProvider(job.provider);
  if (providerProblem) return [...problems, providerProblem];
  if (typeof job.model !== 'string' || !job.model.trim()) problems.push('model is required (e.g. gpt-4o-mini)');
  if (!Number.isInteger(job.maxAttempts) || job.maxAttempts < 1) problems.push('maxAttempts must be a whole number >= 1');
  const { maxTokens, temperature } = job.params;
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) problems.push('maxTokens must be a whole number >= 1');
  if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) problems.push('temperature must be between 0 and 2');
  if (job.timing) problems.push(...timingProblems(job.timing));

  let jsonSchema: Record<string, unknown>;
  try {
    jsonSchema = toCanonicalJsonSchema(job.schema, job.schemaName);
  } catch (err) {
    if (err instanceof SchemaConversionError) return [...problems, err.message];
    throw err;
  }

  const adapter = offlineAdapter(job.provider as ProviderName);
  const shape = { jobId: job.jobId, model: job.model, params: job.params, output: { name: job.schemaName, jsonSchema } };
  for (const request of job.requests) {
    const idProblem = adapter.checkCustomId(request.customId);
    if (idProblem) problems.push(`request "${request.customId}": ${idProblem}`);
    if (problems.length > 20) break;
  }
  try {
    // Sizing a request builds it in the provider's dialect, which also proves the schema converts.
    for (const request of job.requests) {
      const size = adapter.requestSize(request, shape);
      if (size > adapter.limits.maxBytes) {
        problems.push(`request "${request.customId}" is ${size} bytes; ${job.provider} takes at most ${adapter.limits.maxBytes} per batch`);
      }
    }
  } catch (err) {
    if (err instanceof SchemaConversionError) problems.push(err.message);
    else throw err;
  }
  return problems;
}
