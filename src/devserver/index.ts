export { findTemporalCli, cachedCliPath, TEMPORAL_CLI_VERSION } from './temporal-cli';
export { startDevServer, ensureDevServer, stopDetachedDevServer, freePort, type DevServer, type SearchAttributeType } from './dev-server';
