/**
 * What a job may cost before it runs (an upper-ish bound from estimated prompt tokens and the
 * output limit), and what it did cost from the usage providers report. Prices come from a
 * PriceTable (prices.ts, price-file.ts); a model the table lacks costs "unknown", never 0.
 */
import { DEFAULT_MAX_TOKENS as ANTHROPIC_DEFAULT_MAX_TOKENS } from '../providers/anthropic-request';
import type { ChatMessage, ProviderName, RequestInput, Usage } from '../types';
import { DEFAULT_PRICES, findPrice, type ModelPrice, type PriceMatch, type PriceTable } from './prices';
import { requestInputTokens, schemaTokens } from './tokens';

/** A cost in USD, or `'unknown'` when it cannot be known (no price for the model, no output limit). */
export type UsdEstimate = number | 'unknown';
export const UNKNOWN_COST = 'unknown' as const;

export interface JobCostEstimate {
  provider: ProviderName;
  model: string;
  requests: number;
  /** Estimated prompt tokens of all requests (tokens.ts: a heuristic that errs high). */
  inputTokens: number;
  /** The output limit of each request (`maxTokens`, or the provider's default), if it has one. */
  maxTokensPerRequest?: number;
  /** requests × maxTokensPerRequest, or `'unbounded'` when requests have no output limit. */
  maxOutputTokens: number | 'unbounded';
  /** The price used, and which table entry it came from; absent when the model has none. */
  price?: PriceMatch;
  priced: boolean;
  /** The input side alone (known whenever the model is priced). */
  inputUsd: UsdEstimate;
  /** Upper-ish bound of the whole job: every request's prompt plus its full output limit. */
  usd: UsdEstimate;
}

export interface EstimateOptions {
  provider: ProviderName;
  model: string;
  /** The job's `maxTokens` (requests carry none of their own: it is a job parameter). */
  maxTokens?: number;
  /** Default: the built-in table. */
  prices?: PriceTable;
  /** The job's JSON Schema: sent, and billed, with every request. */
  jsonSchema?: unknown;
}

/**
 * The most output a request may produce. OpenAI and Gemini have no limit unless `maxTokens` is
 * given (then it includes reasoning / thinking tokens); Anthropic always sends one (1024 by default).
 */
export function outputLimitPerRequest(provider: ProviderName, maxTokens?: number): number | undefined {
  if (maxTokens !== undefined) return maxTokens;
  return provider === 'anthropic' ? ANTHROPIC_DEFAULT_MAX_TOKENS : undefined;
}

function usd(tokensIn: number, tokensOut: number, price: ModelPrice): number {
  return (tokensIn * price.inputPerMTok + tokensOut * price.outputPerMTok) / 1_000_000;
}

/** Adds requests one at a time, so a job is estimated while it streams (nothing is kept but sums). */
export class CostEstimator {
  readonly price?: PriceMatch;
  readonly maxTokensPerRequest?: number;
  private readonly schemaTokens: number;
  private requests = 0;
  private inputTokens = 0;

  constructor(private readonly options: EstimateOptions) {
    this.price = findPrice(options.prices ?? DEFAULT_PRICES, options.provider, options.model);
    this.maxTokensPerRequest = outputLimitPerRequest(options.provider, options.maxTokens);
    this.schemaTokens = schemaTokens(options.jsonSchema);
  }

  add(messages: readonly ChatMessage[]): void {
    this.requests += 1;
    this.inputTokens += requestInputTokens(messages, this.schemaTokens);
  }

  /** The upper bound so far (what a limit is checked against as the requests stream). */
  get usd(): UsdEstimate {
    if (!this.price || this.maxTokensPerRequest === undefined) return UNKNOWN_COST;
    return usd(this.inputTokens, this.requests * this.maxTokensPerRequest, this.price.price);
  }

  result(): JobCostEstimate {
    const { provider, model } = this.options;
    const bounded = this.maxTokensPerRequest !== undefined;
    return {
      provider,
      model,
      requests: this.requests,
      inputTokens: this.inputTokens,
      ...(bounded && { maxTokensPerRequest: this.maxTokensPerRequest }),
      maxOutputTokens: bounded ? this.requests * this.maxTokensPerRequest! : 'unbounded',
      ...(this.price && { price: this.price }),
      priced: this.price !== undefined,
      inputUsd: this.price ? usd(this.inputTokens, 0, this.price.price) : UNKNOWN_COST,
      usd: this.usd,
    };
  }
}

/** The messages of a request as a user gives it (a bare list, or `{ customId?, messages }`). */
function messagesOf(request: RequestInput | unknown): readonly ChatMessage[] {
  if (Array.isArray(request)) return request as ChatMessage[];
  const messages = (request as { messages?: unknown } | null)?.messages;
  return Array.isArray(messages) ? (messages as ChatMessage[]) : [];
}

/**
 * Estimates a job from its requests (read once, not kept): estimated prompt tokens, the output
 * limit times the number of requests, and the bound in USD at batch prices.
 */
export async function estimateJobCost(
  requests: Iterable<RequestInput> | AsyncIterable<RequestInput>,
  options: EstimateOptions,
): Promise<JobCostEstimate> {
  const estimator = new CostEstimator(options);
  for await (const request of requests) estimator.add(messagesOf(request));
  return estimator.result();
}

/** What reported usage costs at the model's batch price; `'unknown'` when the model has no price. */
export function costOfUsage(usage: Usage, provider: ProviderName, model: string, prices: PriceTable = DEFAULT_PRICES): UsdEstimate {
  const match = findPrice(prices, provider, model);
  return match ? usd(usage.inputTokens, usage.outputTokens, match.price) : UNKNOWN_COST;
}

/** For people: `$12.34` from a dollar up, two significant digits below (`$0.012`, `$0.00000012`), or `unknown`. */
export function formatUsd(value: UsdEstimate): string {
  if (value === UNKNOWN_COST) return 'unknown';
  if (value === 0) return '$0';
  if (value >= 1) return `$${value.toFixed(2)}`;
  const decimals = Math.min(12, Math.max(2, 1 - Math.floor(Math.log10(value))));
  return `$${value.toFixed(decimals)}`;
}
