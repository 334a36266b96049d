/**
 * The built-in price table: USD per 1M input tokens and per 1M output tokens, at BATCH prices
 * (each provider's list price with its 50% batch discount applied), and the lookup of a model in it.
 *
 * Recorded 2026-12-02 from the providers' published list prices for these models (standard rate ÷ 2;
 * Anthropic's batch table quoted directly). They are ESTIMATES for planning, not a bill: prices
 * change, long prompts cost more on some models (Gemini 2.5 Pro and Gemini 3 Pro above 200k prompt
 * tokens; the table holds the ≤200k tier), cached input costs less, and newer models are absent.
 * Override or extend the table with a price file (see price-file.ts, DURABATCH_PRICES).
 */
import type { ProviderName } from '../types';

export interface ModelPrice {
  /** USD per 1,000,000 input (prompt) tokens, at batch prices. */
  inputPerMTok: number;
  /** USD per 1,000,000 output tokens (reasoning / thinking tokens included), at batch prices. */
  outputPerMTok: number;
}

/** Prices by provider, then by model name (or model-name prefix: see findPrice). */
export type PriceTable = Record<ProviderName, Record<string, ModelPrice>>;

/** When the built-in prices were recorded: shown next to estimates so people know how old they are. */
export const PRICES_RECORDED = '2026-12-02';

/** Batch price from a list price: every provider here takes 50% off for batch jobs. */
const batch = (inputList: number, outputList: number): ModelPrice => ({ inputPerMTok: inputList / 2, outputPerMTok: outputList / 2 });

export const DEFAULT_PRICES: PriceTable = {
  openai: {
    // Pricier variants are listed so that the `gpt-5` / `o3` / `o4-mini` prefixes never price them low.
    'gpt-5': batch(1.25, 10),
    'gpt-5-pro': batch(15, 120),
    'gpt-5.1': batch(1.25, 10),
    'gpt-5-mini': batch(0.25, 2),
    'gpt-5-nano': batch(0.05, 0.4),
    'gpt-4.1': batch(2, 8),
    'gpt-4.1-mini': batch(0.4, 1.6),
    'gpt-4.1-nano': batch(0.1, 0.4),
    'gpt-4o': batch(2.5, 10),
    // The first gpt-4o snapshot kept its launch price: an exact entry beats the `gpt-4o` prefix.
    'gpt-4o-2024-05-13': batch(5, 15),
    'gpt-4o-mini': batch(0.15, 0.6),
    o3: batch(2, 8),
    'o3-pro': batch(20, 80),
    'o3-deep-research': batch(10, 40),
    'o3-mini': batch(1.1, 4.4),
    'o4-mini': batch(1.1, 4.4),
    'o4-mini-deep-research': batch(2, 8),
  },
  anthropic: {
    'claude-opus-4-6': batch(5, 25),
    'claude-opus-4-5': batch(5, 25),
    'claude-opus-4-1': batch(15, 75),
    // Also the price any later `claude-opus-4-*` not listed falls back to: the highest, so a guess errs high.
    'claude-opus-4': batch(15, 75),
    'claude-sonnet-4-6': batch(3, 15),
    'claude-sonnet-4-5': batch(3, 15),
    'claude-sonnet-4': batch(3, 15),
    'claude-3-7-sonnet': batch(3, 15),
    'claude-haiku-4-5': batch(1, 5),
    'claude-3-5-haiku': batch(0.8, 4),
    'claude-3-haiku': batch(0.25, 1.25),
  },
  gemini: {
    'gemini-3-pro-preview': batch(2, 12),
    'gemini-3-flash-preview': batch(0.5, 3),
    'gemini-2.5-pro': batch(1.25, 10),
    'gemini-2.5-flash': batch(0.3, 2.5),
    'gemini-2.5-flash-lite': batch(0.1, 0.4),
    'gemini-2.0-flash': batch(0.1, 0.4),
    'gemini-2.0-flash-lite': batch(0.075, 0.3),
  },
};

/** A model's price and the table entry it came from. */
export interface PriceMatch {
  /** The table's key that matched: the model itself, or the prefix it was found by. */
  entry: string;
  exact: boolean;
  price: ModelPrice;
}

/**
 * What may follow a prefix for it to match: dated snapshots and versions (`gpt-4o-2024-08-06`,
 * `claude-sonnet-4-5-20250929`, `gemini-2.5-flash-preview-09-2025`, `...@001`, `...:latest`). A
 * prefix must end where a name part ends, so `gpt-4` never prices `gpt-4o` and `gpt-5` never
 * prices `gpt-5.1`.
 */
const PART_END = new Set(['-', '@', ':']);

/**
 * The price of `model` at `provider`: the entry named exactly (case-insensitive; Gemini's
 * `models/` prefix ignored), else the longest entry that is a whole-part prefix of the name.
 * Undefined when the table has neither: the cost is then unknown, never zero.
 */
export function findPrice(prices: PriceTable, provider: ProviderName, model: string): PriceMatch | undefined {
  const table = prices[provider];
  if (!table || typeof model !== 'string') return undefined;
  const name = model
    .trim()
    .toLowerCase()
    .replace(/^models\//, '');
  let best: PriceMatch | undefined;
  for (const [entry, price] of Object.entries(table)) {
    const key = entry.toLowerCase();
    if (key === name) return { entry, exact: true, price };
    if (name.startsWith(key) && PART_END.has(name[key.length]!) && key.length > (best?.entry.length ?? -1)) {
      best = { entry, exact: false, price };
    }
  }
  return best;
}
