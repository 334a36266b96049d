/**
 * Price overrides: a JSON file (or object) merged over the built-in table, so a user can price a
 * model the table lacks or correct one whose price changed, without a new release.
 *
 *   { "note": "optional, for people",
 *     "openai":    { "gpt-4o-mini": { "inputPerMTok": 0.075, "outputPerMTok": 0.3 } },
 *     "anthropic": { "claude-my-model": { "inputPerMTok": 1.5, "outputPerMTok": 7.5 } } }
 *
 * USD per 1M tokens at BATCH prices. A model listed replaces that model's built-in entry; the
 * names are matched like the table's (exact, then longest prefix). Where the file comes from: the
 * option given, else the path in DURABATCH_PRICES, else none (the built-in table alone).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PROVIDERS, type ProviderName } from '../types';
import { DEFAULT_PRICES, type ModelPrice, type PriceTable } from './prices';
import { DurabatchError } from '../errors';

/** Overrides by provider and model; any provider may be left out. */
export type PriceOverrides = Partial<Record<ProviderName, Record<string, ModelPrice>>>;

/** Where prices come from: an overrides object, or the path of a JSON price file. */
export type PriceSource = PriceOverrides | string;

/** A price file or object that cannot be used: the message says which file, and what is wrong where. */
export class PriceFileError extends DurabatchError {
  override name = 'PriceFileError';
  constructor(
    message: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

const usdPerMTok = z.number().nonnegative();
const ModelPriceSchema = z.strictObject({ inputPerMTok: usdPerMTok, outputPerMTok: usdPerMTok });
const ModelsSchema = z.record(z.string().min(1), ModelPriceSchema);
// Strict: a misspelt provider (`"open-ai"`) is an error, not a silently ignored price.
const providerSchemas = {
  openai: ModelsSchema.optional(),
  anthropic: ModelsSchema.optional(),
  gemini: ModelsSchema.optional(),
} satisfies Record<ProviderName, unknown>;
const PriceFileSchema = z.strictObject({ note: z.string().optional(), ...providerSchemas });

/** Checks an overrides object (from a file or from code); every problem is listed with its place. */
export function parsePriceOverrides(value: unknown, where = 'prices'): PriceOverrides {
  const parsed = PriceFileSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new PriceFileError(
      `${where} is not a valid price file:\n${problems.join('\n')}\n` +
        `expected { "<${PROVIDERS.join('|')}>": { "<model>": { "inputPerMTok": USD, "outputPerMTok": USD } } } (USD per 1M tokens, batch prices)`,
    );
  }
  const { note: _note, ...overrides } = parsed.data;
  return overrides as PriceOverrides;
}

/** Reads and checks a JSON price file. */
export async function readPriceFile(path: string): Promise<PriceOverrides> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PriceFileError(`cannot read price file ${path}: ${(err as Error).message}`, path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PriceFileError(`price file ${path} is not JSON: ${(err as Error).message}`, path);
  }
  try {
    return parsePriceOverrides(json, `price file ${path}`);
  } catch (err) {
    throw new PriceFileError((err as Error).message, path);
  }
}

/** `base` with `overrides` laid over it, model by model (neither is changed). */
export function mergePrices(base: PriceTable, overrides: PriceOverrides): PriceTable {
  const merged = {} as PriceTable;
  for (const p of PROVIDERS) merged[p] = { ...base[p], ...overrides[p] };
  return merged;
}

/** The overrides a source names: a path is read, an object checked, nothing gives none. */
export async function resolvePriceSource(source: PriceSource | undefined): Promise<PriceOverrides> {
  if (source === undefined) return {};
  return typeof source === 'string' ? readPriceFile(source) : parsePriceOverrides(source);
}

/**
 * The prices in effect: the built-in table, with the given source (a path or an object) laid over
 * it, else the file DURABATCH_PRICES names, else nothing more.
 */
export async function loadPrices(source?: PriceSource, env: NodeJS.ProcessEnv = process.env): Promise<PriceTable> {
  const fromEnv = env.DURABATCH_PRICES?.trim();
  return mergePrices(DEFAULT_PRICES, await resolvePriceSource(source ?? (fromEnv || undefined)));
}
