/**
 * Public types shared by the client, the workflow, the activities and the provider adapters.
 * This file is imported by workflow code: keep it free of runtime dependencies.
 */

export const PROVIDERS = ['openai', 'anthropic', 'gemini'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export type ChatRole = 'system' | 'user' | 'assistant';
export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** What a user hands in: a bare message list (ID `request-<i>`), or one with its own custom ID. */
export type RequestInput = ChatMessage[] | { customId?: string; messages: ChatMessage[] };

/** A request after normalisation: every request has its custom ID. */
export interface PreparedRequest {
  customId: string;
  messages: ChatMessage[];
}

export interface GenerationParams {
  maxTokens?: number;
  temperature?: number;
}

/** The one state machine every provider's batch status is mapped onto. */
export const BATCH_STATES = [
  'validating',
  'in_progress',
  'finalizing',
  'completed',
  'failed',
  'expired',
  'cancelling',
  'cancelled',
] as const;
export type BatchState = (typeof BATCH_STATES)[number];
export const TERMINAL_BATCH_STATES: readonly BatchState[] = ['completed', 'failed', 'expired', 'cancelled'];
export function isTerminalBatchState(state: BatchState): boolean {
  return TERMINAL_BATCH_STATES.includes(state);
}

/** Why one item did not produce a valid result. Item failures are data, never exceptions. */
export const ITEM_ERROR_TYPES = [
  'provider_error', // the provider answered the item with an error (HTTP-level or model-level)
  'expired', // the batch's completion window ran out before the item ran
  'cancelled', // the batch was cancelled before the item ran
  'refusal', // the model refused
  'truncated', // the answer hit max tokens
  'invalid_json', // the answer is not JSON
  'schema_mismatch', // JSON that the zod schema rejects
  'batch_failed', // the provider failed the whole batch (e.g. validation of the input file)
] as const;
export type ItemErrorType = (typeof ITEM_ERROR_TYPES)[number];

export interface ItemError {
  type: ItemErrorType;
  message: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface BatchSuccess<T> {
  customId: string;
  ok: true;
  data: T;
  usage?: Usage;
  /** Which attempt (1-based) produced this result. */
  attempts: number;
}
export interface BatchError {
  customId: string;
  ok: false;
  error: ItemError;
  /** How many provider batches this item was submitted in. */
  attempts: number;
}
export type BatchOutcome<T> = BatchSuccess<T> | BatchError;
