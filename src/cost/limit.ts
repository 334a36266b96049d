/**
 * `start`'s spending limit: the job's cost is estimated while its requests stream into the store,
 * and a job that may cost more than the limit (or whose cost cannot be bounded) is refused before
 * its workflow starts. The refusal goes through the same path as bad input: the wrapped checker
 * fails the stream, and the store's request writer is aborted, so nothing is left half-written.
 */
import type { PreparedRequest } from '../types';
import type { StreamingChecker } from '../write-requests';
import { CostEstimator, formatUsd, UNKNOWN_COST, type JobCostEstimate } from './estimate';
import { PRICES_RECORDED } from './prices';
import { DurabatchError } from '../errors';

export type CostLimitReason = 'over-limit' | 'unpriced-model' | 'unbounded-output';

/** A job refused by `maxCostUsd`: nothing was started, nothing is left in the store. */
export class CostLimitError extends DurabatchError {
  override name = 'CostLimitError';
  constructor(
    readonly jobId: string,
    readonly reason: CostLimitReason,
    readonly estimate: JobCostEstimate,
    readonly limitUsd: number,
  ) {
    super(refusal(jobId, reason, estimate, limitUsd));
  }
}

const n = (x: number) => x.toLocaleString('en-US');

function refusal(jobId: string, reason: CostLimitReason, e: JobCostEstimate, limitUsd: number): string {
  const limit = `maxCostUsd ${formatUsd(limitUsd)}`;
  const tail = 'nothing was started';
  if (reason === 'unpriced-model') {
    return (
      `job ${jobId}: no price for ${e.provider} model "${e.model}" in the price table, so its cost cannot be checked against ${limit}; ` +
      `supply a price file (DURABATCH_PRICES=prices.json, or the prices option) with ` +
      `{"${e.provider}": {"${e.model}": {"inputPerMTok": USD, "outputPerMTok": USD}}} (USD per 1M tokens at batch prices); ${tail}`
    );
  }
  if (reason === 'unbounded-output') {
    return `job ${jobId}: without maxTokens, ${e.provider} puts no limit on a request's output, so the job's cost cannot be checked against ${limit}; set maxTokens; ${tail}`;
  }
  const source = e.price?.exact === false ? ` (priced as "${e.price.entry}")` : '';
  return (
    `job ${jobId} may cost up to ${formatUsd(e.usd)}, over ${limit}: ${n(e.requests)} requests, ~${n(e.inputTokens)} input tokens ` +
    `(estimated) and up to ${n(e.maxOutputTokens as number)} output tokens (maxTokens ${e.maxTokensPerRequest} each) at ${e.provider} ` +
    `${e.model}${source} batch prices (table of ${PRICES_RECORDED}, or your price file); ` +
    `raise maxCostUsd, lower maxTokens, or split the job; ${tail}`
  );
}

/**
 * `checker` with the limit added: each accepted request is also estimated; once the job is over
 * the limit (or cannot be bounded) `ok` turns false, so no more requests are written; and at the
 * end, if the requests themselves had no problem, `finish` throws CostLimitError. Problems with the
 * input come first: a bad job is reported as InvalidJobError whatever its cost.
 */
export function withCostLimit(checker: StreamingChecker, estimator: CostEstimator, limitUsd: number, jobId: string): StreamingChecker {
  const reason = (): CostLimitReason | undefined => {
    if (!estimator.price) return 'unpriced-model';
    if (estimator.maxTokensPerRequest === undefined) return 'unbounded-output';
    const usd = estimator.usd;
    return usd !== UNKNOWN_COST && usd > limitUsd ? 'over-limit' : undefined;
  };
  return {
    add(input: unknown): PreparedRequest | undefined {
      const request = checker.add(input);
      if (request) estimator.add(request.messages);
      return request;
    },
    get ok() {
      return checker.ok && reason() === undefined;
    },
    plan: () => checker.plan?.(),
    finish(): string[] {
      const problems = checker.finish();
      if (problems.length) return problems;
      const refused = reason();
      if (refused) throw new CostLimitError(jobId, refused, estimator.result(), limitUsd);
      return problems;
    },
  };
}
