export { createDurabatch, Durabatch, type DurabatchOptions, type StartOptions } from './durabatch';
export { BatchJobHandle, type JobStatusWithCost, type ResultsOptions } from './job-handle';
export { JobFailedError, JobIdInUseError, StoreMismatchError } from './errors';
export {
  CostLimitError,
  PriceFileError,
  costOfUsage,
  estimateJobCost,
  formatUsd,
  loadPrices,
  type CostLimitReason,
  type JobCostEstimate,
  type PriceSource,
  type PriceTable,
  type UsdEstimate,
} from '../cost';
