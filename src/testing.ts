/**
 * `durabatch/testing`: a local Temporal dev server for tests and demos, found or built on first
 * use (see src/devserver). Kept out of the root entry: applications never need it.
 */
export { startDevServer, ensureDevServer, stopDetachedDevServer, freePort, findTemporalCli } from './devserver';
export type { DevServer, SearchAttributeType } from './devserver';
