export { createDurabatch, Durabatch, type DurabatchOptions, type StartOptions } from './durabatch';
export { BatchJobHandle, type ResultsOptions } from './job-handle';
export { JobFailedError, JobIdInUseError, StoreMismatchError } from './errors';
