/** durabatch's public API. */
export { createDurabatch, Durabatch, BatchJobHandle, JobFailedError, JobIdInUseError, StoreMismatchError } from './client';
export type { DurabatchOptions, StartOptions, ResultsOptions } from './client';
export { createDurabatchWorker, type DurabatchWorkerOptions } from './worker';
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator';
export type { FaultConfig } from './emulator/engine';
export { startDevServer, ensureDevServer, findTemporalCli } from './devserver';
export { InvalidJobError } from './validate-job';
export { AesGcmCodec, codecFromEnv, dataConverterFromEnv, startCodecServer } from './codec';
export { openStore, FileJobStore, PgJobStore, type JobStore, type StoredOutcome, type StoredRequest } from './store';
export { MAX_INLINE_REQUEST_BYTES } from './job';
export type { JobStatus, JobSummary, JobPhase, JobCounts, JobTiming, ChunkState, RequestsRef } from './job';
export * from './types';
