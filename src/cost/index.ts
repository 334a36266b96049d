/** Prices, estimates and the spending limit: client-side only (workflow code never imports this). */
export { DEFAULT_PRICES, PRICES_RECORDED, findPrice, type ModelPrice, type PriceMatch, type PriceTable } from './prices';
export {
  PriceFileError,
  loadPrices,
  mergePrices,
  parsePriceOverrides,
  readPriceFile,
  resolvePriceSource,
  type PriceOverrides,
  type PriceSource,
} from './price-file';
export {
  CostEstimator,
  UNKNOWN_COST,
  costOfUsage,
  estimateJobCost,
  formatUsd,
  outputLimitPerRequest,
  type EstimateOptions,
  type JobCostEstimate,
  type UsdEstimate,
} from './estimate';
export { ASCII_CHARS_PER_TOKEN, TOKENS_PER_MESSAGE, TOKENS_PER_REQUEST, requestInputTokens, schemaTokens, textTokens } from './tokens';
export { CostLimitError, withCostLimit, type CostLimitReason } from './limit';
