import { createHash } from 'node:crypto';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, type ClientOptions } from '@temporalio/client';
import { dataConverterFromEnv } from '../codec/aes-gcm-codec';
import type { z } from 'zod';
import { DEFAULT_TASK_QUEUE, temporalAddress, temporalNamespace } from '../config';
import {
  CostEstimator,
  loadPrices,
  mergePrices,
  resolvePriceSource,
  withCostLimit,
  type JobCostEstimate,
  type PriceSource,
  type PriceTable,
} from '../cost';
import { DEFAULT_RETRY_ON, DEFAULT_TIMING, type JobInput, type JobTiming } from '../job';
import { checkRegistry, schemaNameOf, toCanonicalJsonSchema, type SchemaRegistry } from '../schema';
import { ITEMS_KEY, PHASE_KEY, PROVIDER_KEY } from '../search-attributes';
import { defaultStoreUrl, openStore, type JobStore } from '../store';
import type { ItemErrorType, ProviderName, RequestInput } from '../types';
import { JobChecker } from '../validate-job';
import { writeRequests, type StreamingChecker } from '../write-requests';
import { JobIdInUseError } from './errors';
import { BatchJobHandle, STORE_MEMO } from './job-handle';

export interface DurabatchOptions {
  /** The schemas jobs may use, by name; the worker must be given the same registry. */
  schemas: SchemaRegistry;
  /** A Temporal client to use; otherwise one is connected to `address`. */
  client?: Client;
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /**
   * The job store (requests and outcomes): an open store, or its URL (a directory or `postgres://...`).
   * Default: `DURABATCH_STORE`, else `<DURABATCH_HOME>/store`. Workers must use the same store.
   */
  store?: JobStore | string;
  /** For the client durabatch connects (not a given `client`). Default: the AES-GCM codec when `DURABATCH_CODEC_KEYS` is set (src/codec). Workers need the same. */
  dataConverter?: ClientOptions['dataConverter'];
  /**
   * Prices for cost estimates (status, `maxCostUsd`), laid over the built-in batch-price table
   * (src/cost/prices.ts): the path of a JSON price file, or the same content as an object.
   * Default: the file `DURABATCH_PRICES` names, if set.
   */
  prices?: PriceSource;
}

export interface StartOptions<S extends z.ZodType> {
  provider: ProviderName;
  model: string;
  schema: S;
  /** Any number of requests: an array, or any (async) iterable, read once and streamed into the store. */
  requests: Iterable<RequestInput> | AsyncIterable<RequestInput>;
  /** Also the workflow ID. Starting the same job again returns it; another job under a used ID is refused. */
  jobId?: string;
  maxTokens?: number;
  temperature?: number;
  /** How many provider batches an item may be submitted in (default 3). */
  maxAttempts?: number;
  /** Which item failures are re-submitted (default: all but refusal and cancelled). */
  retryOn?: ItemErrorType[];
  timing?: Partial<JobTiming>;
  /**
   * A spending limit in USD. The job's cost is estimated while its requests stream in (estimated
   * prompt tokens, plus `maxTokens` of output for every request, at batch prices); a job that may
   * cost more, or whose cost cannot be bounded (a model without a price, no `maxTokens` on OpenAI
   * or Gemini), throws CostLimitError and starts nothing, leaving nothing in the store.
   */
  maxCostUsd?: number;
  /** Prices for this start's estimate, laid over the client's (`DurabatchOptions.prices`): a price file path, or an object. */
  prices?: PriceSource;
  /** Called with the job's cost estimate once its requests have streamed in and passed, before the workflow starts. */
  onEstimate?: (estimate: JobCostEstimate) => void;
}

export class Durabatch {
  readonly taskQueue: string;
  private readonly schemas: SchemaRegistry;
  private storeOpening?: Promise<JobStore>;
  private pricesLoading?: Promise<PriceTable>;

  constructor(
    readonly client: Client,
    private readonly options: Omit<DurabatchOptions, 'client' | 'address' | 'namespace'>,
  ) {
    checkRegistry(options.schemas);
    this.schemas = options.schemas;
    this.taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  }

  /** The job store, opened on first use (a PostgreSQL store creates its tables then). */
  store(): Promise<JobStore> {
    const { store } = this.options;
    this.storeOpening ??= typeof store === 'object' ? Promise.resolve(store) : openStore(store ?? defaultStoreUrl());
    return this.storeOpening;
  }

  /**
   * Lets the process exit: closes the job store durabatch opened from a URL (a given store is the
   * caller's) and, for `createDurabatch` without a `client`, the Temporal connection it made.
   * Jobs keep running on the workers.
   */
  async close(): Promise<void> {
    if (this.storeOpening && typeof this.options.store !== 'object') await (await this.storeOpening).close();
    this.storeOpening = undefined;
    if (this.ownsConnection) await this.client.connection.close();
  }

  /** Set by createDurabatch when it connected the client itself. */
  ownsConnection = false;

  /** The prices estimates use: the built-in table with `prices` (or DURABATCH_PRICES) over it, loaded on first use. */
  prices(): Promise<PriceTable> {
    this.pricesLoading ??= loadPrices(this.options.prices);
    return this.pricesLoading;
  }

  /**
   * Checks a job completely while its requests stream into the store, then starts its workflow with
   * a reference to them. Bad input throws InvalidJobError listing every problem; nothing is started
   * and nothing is left in the store. A job ID names one job: starting the same job again (same ID,
   * same definition) returns the existing job, running or finished, so a client that retries its
   * start never runs a job twice; a different job under a used ID throws JobIdInUseError. With
   * `maxCostUsd`, a job that may cost more throws CostLimitError, again before anything starts.
   */
  async start<S extends z.ZodType>(options: StartOptions<S>): Promise<BatchJobHandle<z.output<S>>> {
    const { input, checker } = this.prepare(options);
    // Before the store is opened: a price file that cannot be read fails the start with nothing touched.
    const cost = await this.costCheck(options, input, checker);
    const store = await this.store();
    const source = await writeRequests(store, input.jobId, options.requests, cost.checker, {
      provider: input.provider,
      model: input.model,
      schemaName: input.schemaName,
    });
    if (cost.estimator) options.onEstimate?.(cost.estimator.result());
    input.source = source;
    const definition = jobDefinitionDigest(input);
    try {
      await this.client.workflow.start('batchJobWorkflow', {
        taskQueue: this.taskQueue,
        workflowId: input.jobId,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: {
          [DEFINITION_MEMO]: definition,
          [STORE_MEMO]: { id: source.storeId, url: source.storeUrl },
          [SET_MEMO]: source.set,
          durabatchModel: input.model,
        },
        staticSummary: `${input.provider} ${input.model}: ${source.count} requests → ${input.schemaName}`,
        // Set at start, so a job no worker has touched yet is still listed and described by phase, provider and size.
        typedSearchAttributes: [
          { key: PHASE_KEY, value: 'validating' },
          { key: PROVIDER_KEY, value: input.provider },
          { key: ITEMS_KEY, value: source.count },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      await this.assertSameJob(input.jobId, definition, store, source.set);
    }
    return this.getJob(input.jobId, options.schema);
  }

  /**
   * The checker the requests stream through, with the cost estimate (and the limit) riding on it:
   * the requests are read once, by writeRequests, and a refusal takes bad input's path (the request
   * writer is aborted). Without `maxCostUsd` or `onEstimate`, the checker as it is: no prices loaded.
   */
  private async costCheck<S extends z.ZodType>(
    options: StartOptions<S>,
    input: JobInput,
    checker: JobChecker,
  ): Promise<{ checker: StreamingChecker; estimator?: CostEstimator }> {
    const limit = options.maxCostUsd;
    if (limit === undefined && !options.onEstimate) return { checker };
    const base = await this.prices();
    const prices = options.prices === undefined ? base : mergePrices(base, await resolvePriceSource(options.prices));
    let jsonSchema: unknown;
    try {
      jsonSchema = toCanonicalJsonSchema(options.schema, input.schemaName);
    } catch {
      // A schema that does not convert is already a problem of the job (InvalidJobError); it is not the estimate's.
    }
    const estimator = new CostEstimator({
      provider: input.provider,
      model: input.model,
      maxTokens: input.params.maxTokens,
      prices,
      jsonSchema,
    });
    if (!validLimit(limit)) return { checker, estimator }; // none, or not a number: prepare() recorded the problem
    return { checker: withCostLimit(checker, estimator, limit, input.jobId), estimator };
  }

  private async assertSameJob(jobId: string, definition: string, store: JobStore, set: string): Promise<void> {
    const existing = await this.client.workflow.getHandle(jobId).describe();
    if (existing.memo?.[DEFINITION_MEMO] === definition) return;
    // The set just written belongs to no job (unless the other job has the very same requests).
    if (existing.memo?.[SET_MEMO] !== set) await store.deleteRequestSet(jobId, set);
    throw new JobIdInUseError(
      `job ID "${jobId}" already names a different job (${existing.status.name.toLowerCase()}, started ` +
        `${existing.startTime.toISOString()}): choose another jobId, or leave it out for a fresh one`,
      jobId,
    );
  }

  /** A handle to an existing job, e.g. from another process. */
  getJob<S extends z.ZodType>(jobId: string, _schema?: S): BatchJobHandle<z.output<S>> {
    return new BatchJobHandle(
      jobId,
      this.client.workflow.getHandle(jobId),
      () => this.store(),
      () => this.prices(),
    );
  }

  /** The workflow input (without its requests) and the checker the requests go through, after every check that needs no requests. */
  prepare<S extends z.ZodType>(options: StartOptions<S>): { input: JobInput; checker: JobChecker } {
    const schemaName = schemaNameOf(this.schemas, options.schema);
    const input: JobInput = {
      jobId: options.jobId ?? newJobId(),
      provider: options.provider,
      model: options.model,
      schemaName: schemaName ?? '',
      params: {
        ...(options.maxTokens !== undefined && { maxTokens: options.maxTokens }),
        ...(options.temperature !== undefined && { temperature: options.temperature }),
      },
      maxAttempts: options.maxAttempts ?? 3,
      retryOn: options.retryOn ?? DEFAULT_RETRY_ON,
      timing: { ...DEFAULT_TIMING, ...options.timing },
    };
    const checker = new JobChecker({ ...input, schema: options.schema });
    if (!schemaName) checker.problem('schema is not in the registry given to Durabatch (and the worker): add it to `schemas`');
    if (!isIterable(options.requests)) checker.problem('requests must be an array (or an iterable) of chat requests');
    if (options.maxCostUsd !== undefined && !validLimit(options.maxCostUsd)) checker.problem('maxCostUsd must be a number of USD above 0');
    return { input, checker };
  }
}

function validLimit(limit: number | undefined): limit is number {
  return typeof limit === 'number' && Number.isFinite(limit) && limit > 0;
}

function isIterable(value: unknown): boolean {
  return (
    value != null &&
    (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' ||
      typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') &&
    typeof value !== 'string'
  );
}

/** Connects to Temporal and returns a client for starting and watching jobs. */
export async function createDurabatch(options: DurabatchOptions): Promise<Durabatch> {
  const client =
    options.client ??
    new Client({
      connection: await Connection.connect({ address: options.address ?? temporalAddress() }),
      namespace: options.namespace ?? temporalNamespace(),
      dataConverter: options.dataConverter ?? dataConverterFromEnv(),
    });
  const durabatch = new Durabatch(client, options);
  durabatch.ownsConnection = !options.client;
  return durabatch;
}

/** Memo key of the job definition's digest: how a repeated start recognises its own job. */
const DEFINITION_MEMO = 'durabatchDefinition';
/** Memo key of the job's request set (the store's identity is under STORE_MEMO). */
const SET_MEMO = 'durabatchRequestSet';

function jobDefinitionDigest(input: JobInput): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex');
}

function newJobId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `batch-${stamp}-${Math.random().toString(36).slice(2, 8)}`;
}
