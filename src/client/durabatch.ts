import { createHash } from 'node:crypto';
import { Client, Connection, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { z } from 'zod';
import { DEFAULT_TASK_QUEUE, resultsDir, temporalAddress, temporalNamespace } from '../config';
import { DEFAULT_RETRY_ON, DEFAULT_TIMING, type JobInput, type JobTiming } from '../job';
import { prepareRequests } from '../requests';
import { checkRegistry, schemaNameOf, type SchemaRegistry } from '../schema';
import { FileResultStore, type ResultStore } from '../store';
import type { ItemErrorType, ProviderName, RequestInput } from '../types';
import { findJobProblems, InvalidJobError } from '../validate-job';
import { JobIdInUseError } from './errors';
import { BatchJobHandle } from './job-handle';

export interface DurabatchOptions {
  /** The schemas jobs may use, by name; the worker must be given the same registry. */
  schemas: SchemaRegistry;
  /** A Temporal client to use; otherwise one is connected to `address`. */
  client?: Client;
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** Where results are read from; must be the store the worker writes to. */
  store?: ResultStore;
}

export interface StartOptions<S extends z.ZodType> {
  provider: ProviderName;
  model: string;
  schema: S;
  requests: RequestInput[];
  /** Also the workflow ID. Starting the same job again returns it; another job under a used ID is refused. */
  jobId?: string;
  maxTokens?: number;
  temperature?: number;
  /** How many provider batches an item may be submitted in (default 3). */
  maxAttempts?: number;
  /** Which item failures are re-submitted (default: all but refusal and cancelled). */
  retryOn?: ItemErrorType[];
  timing?: Partial<JobTiming>;
}

/** Requests travel in the workflow input; above this they would crowd history (Temporal warns at 512 KiB). */
export const MAX_INLINE_REQUEST_BYTES = 384 * 1024;

export class Durabatch {
  readonly taskQueue: string;
  readonly store: ResultStore;
  private readonly schemas: SchemaRegistry;

  constructor(
    readonly client: Client,
    options: Omit<DurabatchOptions, 'client' | 'address' | 'namespace'>,
  ) {
    checkRegistry(options.schemas);
    this.schemas = options.schemas;
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
    this.store = options.store ?? new FileResultStore(resultsDir());
  }

  /**
   * Validates a job completely, then starts its workflow. Bad input throws InvalidJobError; nothing
   * is started. A job ID names one job: starting the same job again (same ID, same definition) returns
   * the existing job, running or finished, so a client that retries its start never runs a job twice;
   * a different job under a used ID throws JobIdInUseError.
   */
  async start<S extends z.ZodType>(options: StartOptions<S>): Promise<BatchJobHandle<z.output<S>>> {
    const input = this.buildInput(options);
    const definition = jobDefinitionDigest(input);
    try {
      await this.client.workflow.start('batchJobWorkflow', {
        taskQueue: this.taskQueue,
        workflowId: input.jobId,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { [DEFINITION_MEMO]: definition },
        staticSummary: `${input.provider} ${input.model}: ${input.requests.length} requests → ${input.schemaName}`,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await this.assertSameJob(input.jobId, definition);
    }
    return this.getJob(input.jobId, options.schema);
  }

  private async assertSameJob(jobId: string, definition: string): Promise<void> {
    const existing = await this.client.workflow.getHandle(jobId).describe();
    if (existing.memo?.[DEFINITION_MEMO] === definition) return;
    throw new JobIdInUseError(
      `job ID "${jobId}" already names a different job (${existing.status.name.toLowerCase()}, started ` +
        `${existing.startTime.toISOString()}): choose another jobId, or leave it out for a fresh one`,
      jobId,
    );
  }

  /** A handle to an existing job, e.g. from another process. */
  getJob<S extends z.ZodType>(jobId: string, _schema?: S): BatchJobHandle<z.output<S>> {
    return new BatchJobHandle(jobId, this.client.workflow.getHandle(jobId), this.store);
  }

  /** The workflow input for a job, after every check that needs no worker. */
  buildInput<S extends z.ZodType>(options: StartOptions<S>): JobInput {
    const schemaName = schemaNameOf(this.schemas, options.schema);
    const { requests, problems } = prepareRequests(options.requests);
    if (!schemaName) problems.push('schema is not in the registry given to Durabatch (and the worker): add it to `schemas`');
    const input: JobInput = {
      jobId: options.jobId ?? newJobId(),
      provider: options.provider,
      model: options.model,
      schemaName: schemaName ?? '',
      requests,
      params: {
        ...(options.maxTokens !== undefined && { maxTokens: options.maxTokens }),
        ...(options.temperature !== undefined && { temperature: options.temperature }),
      },
      maxAttempts: options.maxAttempts ?? 3,
      retryOn: options.retryOn ?? DEFAULT_RETRY_ON,
      timing: { ...DEFAULT_TIMING, ...options.timing },
    };
    if (problems.length === 0) problems.push(...findJobProblems({ ...input, schema: options.schema }));
    const bytes = Buffer.byteLength(JSON.stringify(requests));
    if (bytes > MAX_INLINE_REQUEST_BYTES) {
      problems.push(`requests total ${bytes} bytes; a job takes at most ${MAX_INLINE_REQUEST_BYTES} bytes of requests for now: split it into several jobs`);
    }
    if (problems.length) throw new InvalidJobError(problems);
    return input;
  }
}

/** Connects to Temporal and returns a client for starting and watching jobs. */
export async function createDurabatch(options: DurabatchOptions): Promise<Durabatch> {
  const client =
    options.client ??
    new Client({
      connection: await Connection.connect({ address: options.address ?? temporalAddress() }),
      namespace: options.namespace ?? temporalNamespace(),
    });
  return new Durabatch(client, options);
}

/** Memo key of the job definition's digest: how a repeated start recognises its own job. */
const DEFINITION_MEMO = 'durabatchDefinition';

function jobDefinitionDigest(input: JobInput): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

function newJobId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `batch-${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}
