/** durabatch's public API. */
export { createDurabatch, Durabatch, BatchJobHandle, JobFailedError, MAX_INLINE_REQUEST_BYTES } from './client';
export type { DurabatchOptions, StartOptions } from './client';
export { createDurabatchWorker, type DurabatchWorkerOptions } from './worker';
export { startEmulator, type Emulator, type EmulatorOptions } from './emulator';
export type { FaultConfig } from './emulator/engine';
export { startDevServer, ensureDevServer, findTemporalCli } from './devserver';
export { InvalidJobError } from './validate-job';
export { FileResultStore, type ResultStore, type StoredOutcome } from './store';
export type { JobStatus, JobSummary, JobPhase, JobCounts, JobTiming, ChunkState } from './job';
export * from './types';
