export { findTemporalCli, cachedCliPath, TEMPORAL_CLI_VERSION, type CliSource, type FindTemporalCliOptions } from './temporal-cli';
export {
  startDevServer,
  ensureDevServer,
  stopDetachedDevServer,
  detachedDevServer,
  isServing,
  freePort,
  type DevServer,
  type DetachedServerInfo,
  type SearchAttributeType,
} from './dev-server';
