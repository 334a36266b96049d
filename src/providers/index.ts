import type { ProviderName } from '../types';
import { createAnthropicAdapter } from './anthropic';
import { createGeminiAdapter, type GeminiAdapterOptions } from './gemini';
import { createOpenAIAdapter } from './openai';
import type { ProviderAdapter, ProviderEndpoint } from './types';
import { DurabatchError } from '../errors';

export type { ProviderAdapter } from './types';

/** Where providers live. With `emulatorUrl` every provider goes to the emulator and keys are ignored. */
export interface ProviderConfig {
  emulatorUrl?: string;
  env?: Record<string, string | undefined>;
  /** Gemini adapter settings, e.g. `inlineMaxBytes` (past it, a chunk is uploaded as a JSONL file). */
  gemini?: GeminiAdapterOptions;
}

const FACTORIES: Record<ProviderName, (endpoint: ProviderEndpoint, config: ProviderConfig) => ProviderAdapter> = {
  openai: (endpoint) => createOpenAIAdapter(endpoint),
  anthropic: (endpoint) => createAnthropicAdapter(endpoint),
  gemini: (endpoint, config) => createGeminiAdapter(endpoint, config.gemini),
};

export const API_KEY_VARS: Record<ProviderName, string[]> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  gemini: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
};

export class MissingApiKeyError extends DurabatchError {
  override name = 'MissingApiKeyError';
}

/** The base URL each SDK needs to reach the emulator's routes for that provider. */
export function emulatorBaseUrl(provider: ProviderName, emulatorUrl: string): string {
  return provider === 'openai' ? `${emulatorUrl}/v1` : emulatorUrl;
}

export function providerEndpoint(provider: ProviderName, config: ProviderConfig): ProviderEndpoint {
  if (config.emulatorUrl) return { apiKey: 'emulator', baseURL: emulatorBaseUrl(provider, config.emulatorUrl) };
  const env = config.env ?? process.env;
  const apiKey = API_KEY_VARS[provider].map((v) => env[v]).find((v) => v && v.trim());
  if (!apiKey) {
    throw new MissingApiKeyError(
      `no API key for ${provider}: set ${API_KEY_VARS[provider].join(' or ')} in the worker's environment, ` +
        'or run the worker against the emulator (durabatch worker --emulator URL)',
    );
  }
  return { apiKey };
}

/** Adapters by provider, made on first use (a missing key only matters for a provider a job uses). */
export class ProviderRegistry {
  private readonly adapters = new Map<ProviderName, ProviderAdapter>();
  constructor(private readonly config: ProviderConfig) {}

  get(provider: ProviderName): ProviderAdapter {
    let adapter = this.adapters.get(provider);
    if (!adapter) {
      adapter = FACTORIES[provider](providerEndpoint(provider, this.config), this.config);
      this.adapters.set(provider, adapter);
    }
    return adapter;
  }
}

/** An adapter for checks that make no calls (custom-ID rules, sizes, schema dialect). */
export function offlineAdapter(provider: ProviderName): ProviderAdapter {
  return FACTORIES[provider]({ apiKey: 'offline-checks-only', baseURL: 'http://127.0.0.1:9' }, {});
}
