export { createDurabatch, Durabatch, MAX_INLINE_REQUEST_BYTES, type DurabatchOptions, type StartOptions } from './durabatch';
export { BatchJobHandle } from './job-handle';
export { JobFailedError, JobIdInUseError } from './errors';
