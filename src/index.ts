/**
 * durabatch's public API: the client, the worker, the job store, the payload codec, types and
 * errors. The emulator (`durabatch/emulator`) and the dev server helpers (`durabatch/testing`)
 * have entries of their own, so an application that only runs jobs never loads them.
 */
export { createDurabatch, Durabatch, BatchJobHandle } from './client';
export type { DurabatchOptions, StartOptions, ResultsOptions } from './client';
export { createDurabatchWorker, type DurabatchWorkerOptions } from './worker';
export { DurabatchError } from './errors';
export {
  JobFailedError,
  JobIdInUseError,
  StoreMismatchError,
  CostLimitError,
  PriceFileError,
  formatUsd,
  costOfUsage,
  estimateJobCost,
} from './client';
export type { JobStatusWithCost } from './client';
export { InvalidJobError } from './validate-job';
export { MissingApiKeyError } from './providers';
export { SchemaConversionError } from './schema';
export { AesGcmCodec, codecFromEnv, dataConverterFromEnv, startCodecServer } from './codec';
export { openStore, FileJobStore, PgJobStore, type JobStore, type StoredOutcome, type StoredRequest } from './store';
export { MAX_INLINE_REQUEST_BYTES } from './job';
export type { JobStatus, JobSummary, JobPhase, JobCounts, JobTiming, ChunkState, RequestsRef } from './job';
export * from './types';
