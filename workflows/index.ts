// Everything the worker's workflow bundle contains. Deterministic code only.
export { batchJobWorkflow } from './batch-job';
export { cancelSignal, statusQuery } from './messages';
