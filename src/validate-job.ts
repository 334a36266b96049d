/**
 * Every check that can be made before a provider is called, shared by the client (fails the
 * start call) and the workflow's first activity (fails the job, non-retryably).
 */
import type { z } from 'zod';
import { ChunkPlanner, toRuns, type ChunkRuns } from './chunk-plan';
import { offlineAdapter, type ProviderAdapter } from './providers';
import type { ChunkSpec } from './providers/types';
import { RequestChecker } from './requests';
import { JOB_ID } from './store/types';
import { SchemaConversionError, toCanonicalJsonSchema } from './schema';
import type { JobTiming } from './job';
import { PROVIDERS, type GenerationParams, type PreparedRequest, type ProviderName } from './types';
import { DurabatchError } from './errors';

export { JOB_ID };

export class InvalidJobError extends DurabatchError {
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
  requests: unknown[];
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
  if (t.retryDeadlineMs !== undefined && !(t.retryDeadlineMs >= 1000)) problems.push('timing.retryDeadlineMs must be at least 1000 ms');
  return problems;
}

/** The problem with a provider name, if it names none durabatch knows. */
export function unknownProvider(provider: string): string | undefined {
  return PROVIDERS.includes(provider as ProviderName) ? undefined : `unknown provider "${provider}" (use ${PROVIDERS.join(', ')})`;
}

/**
 * Every check of a job, its requests given one at a time (so they can stream): the job's own
 * fields, then per request its shape, custom ID (unique in the job, allowed by the provider) and
 * size in the provider's dialect. Every problem is listed, up to MAX_PROBLEMS.
 */
export class JobChecker {
  private readonly requests = new RequestChecker();
  private readonly adapter?: ProviderAdapter;
  private readonly shape?: Omit<ChunkSpec, 'requests' | 'tag'>;
  private schemaFailed = false;
  /** Attempt 1's chunks, from the sizes measured here anyway. */
  private planner?: ChunkPlanner;

  constructor(private readonly job: Omit<JobToCheck, 'requests'>) {
    const problems = this.requests.problems;
    if (!JOB_ID.test(job.jobId)) {
      problems.push(`job ID "${job.jobId}" must be 1-200 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit`);
    }
    const providerProblem = unknownProvider(job.provider);
    if (providerProblem) problems.push(providerProblem);
    if (typeof job.model !== 'string' || !job.model.trim()) problems.push('model is required (e.g. gpt-4o-mini)');
    if (!Number.isInteger(job.maxAttempts) || job.maxAttempts < 1) problems.push('maxAttempts must be a whole number >= 1');
    const { maxTokens, temperature } = job.params;
    if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) problems.push('maxTokens must be a whole number >= 1');
    if (temperature !== undefined && !(temperature >= 0 && temperature <= 2)) problems.push('temperature must be between 0 and 2');
    if (job.timing) problems.push(...timingProblems(job.timing));
    if (providerProblem) return;
    try {
      const jsonSchema = toCanonicalJsonSchema(job.schema, job.schemaName);
      this.adapter = offlineAdapter(job.provider as ProviderName);
      this.planner = new ChunkPlanner(this.adapter.limits);
      this.shape = { jobId: job.jobId, model: job.model, params: job.params, output: { name: job.schemaName, jsonSchema } };
    } catch (err) {
      if (!(err instanceof SchemaConversionError)) throw err;
      problems.push(err.message);
    }
  }

  /** Checks the next request; the normalised request when it has no problem. */
  add(input: unknown): PreparedRequest | undefined {
    const request = this.requests.add(input);
    if (!request || !this.adapter || !this.shape || this.schemaFailed) return request;
    const problems = this.requests.problems;
    const before = problems.size;
    const idProblem = this.adapter.checkCustomId(request.customId);
    if (idProblem) problems.push(`request "${request.customId}": ${idProblem}`);
    let size = 0;
    try {
      // Sizing a request builds it in the provider's dialect, which also proves the schema converts.
      size = this.adapter.requestSize(request, this.shape);
      if (size > this.adapter.limits.maxBytes) {
        problems.push(
          `request "${request.customId}" is ${size} bytes; ${this.job.provider} takes at most ${this.adapter.limits.maxBytes} per batch`,
        );
      }
    } catch (err) {
      if (!(err instanceof SchemaConversionError)) throw err;
      problems.push(err.message);
      this.schemaFailed = true;
    }
    if (problems.size !== before) return undefined;
    this.planner?.add(size);
    return request;
  }

  /** Attempt 1's chunk sizes, once every request was accepted (see RequestsRef.plan). */
  plan(): ChunkRuns | undefined {
    if (!this.ok || !this.planner || this.requests.count === 0) return undefined;
    return toRuns(this.planner.finish());
  }

  get count(): number {
    return this.requests.count;
  }

  /** Records a problem found outside the checker (e.g. by the caller). */
  problem(message: string): void {
    this.requests.problems.push(message);
  }

  /** The problems of the job's own fields (and of those requests checked so far). */
  jobProblems(): string[] {
    return this.requests.problems.list();
  }

  /** True while no problem has been found: requests checked so far may be written. */
  get ok(): boolean {
    return this.requests.problems.size === 0;
  }

  finish(): string[] {
    return this.requests.finish();
  }
}

/** Every problem of a job whose requests are at hand (small inline jobs, tests). */
export function findJobProblems(job: JobToCheck): string[] {
  const checker = new JobChecker(job);
  for (const request of job.requests) checker.add(request);
  return checker.finish();
}
