import type { TestEnv } from './test-env';
import type { ItemErrorType, ProviderName } from '../../src/types';
import { EXAMPLE_MODELS } from '../../src/examples';
import type { EmulatedBatch } from '../../src/emulator/engine';
import type { ProviderConfig } from '../../src/providers';

/** What legitimately differs between providers; everything else must behave the same. */
export interface ProviderProfile {
  /** Names the suite; the provider's name unless one provider runs in two ways. */
  label: string;
  provider: ProviderName;
  /** Worker settings for this variant (the emulator URL is added by the test env). */
  worker?: Partial<ProviderConfig>;
  model: string;
  batchId: RegExp;
  /** OpenAI and Anthropic keep what finished before expiry; a Gemini EXPIRED batch has no results at all. */
  expiryKeepsFinished: boolean;
  /** How a whole-batch failure reaches items (Anthropic has no failed batches: every item errors). */
  batchFailureType: ItemErrorType;
  /**
   * How a model that does not exist ends (maxAttempts 2): OpenAI fails the batch at validation (retried,
   * as a failed batch may be transient); Anthropic errors each request (invalid, never retried);
   * Gemini refuses the create, which fails the job.
   */
  unknownModel: { items: ItemErrorType; attempts: number } | 'job fails';
}

export const PROFILES: ProviderProfile[] = [
  {
    label: 'openai',
    provider: 'openai',
    model: EXAMPLE_MODELS.openai,
    batchId: /^batch_/,
    expiryKeepsFinished: true,
    batchFailureType: 'batch_failed',
    unknownModel: { items: 'batch_failed', attempts: 2 },
  },
  {
    label: 'anthropic',
    provider: 'anthropic',
    model: EXAMPLE_MODELS.anthropic,
    batchId: /^msgbatch_/,
    expiryKeepsFinished: true,
    batchFailureType: 'provider_error',
    unknownModel: { items: 'provider_error', attempts: 1 },
  },
  {
    label: 'gemini',
    provider: 'gemini',
    model: EXAMPLE_MODELS.gemini,
    batchId: /^batches\//,
    expiryKeepsFinished: false,
    batchFailureType: 'batch_failed',
    unknownModel: 'job fails',
  },
];

/**
 * Gemini's other input path: every chunk over 1 byte inline, i.e. all of them, goes up as a JSONL file
 * (resumable upload from memory) and its answers come back as a responses file.
 */
export const GEMINI_FILE_PROFILE: ProviderProfile = {
  ...PROFILES[2],
  label: 'gemini (JSONL file input)',
  worker: { gemini: { inlineMaxBytes: 1 } },
};

/** The emulator's record of a provider batch, by the ID the adapter reported. */
export function emulatedBatch(env: TestEnv, batchId: string): EmulatedBatch {
  const batch = env.emulator.engine.get(batchId) ?? env.emulator.engine.get(batchId.replace(/^batches\//, ''));
  if (!batch) throw new Error(`the emulator has no batch ${batchId}`);
  return batch;
}

/** Batches the emulator created, per tag: each must be 1 (no duplicates). */
export function creations(env: TestEnv): { total: number; duplicates: string[] } {
  const { batchesCreated, byTag } = env.emulator.stats();
  return {
    total: batchesCreated,
    duplicates: Object.entries(byTag)
      .filter(([, n]) => n > 1)
      .map(([t]) => t),
  };
}
