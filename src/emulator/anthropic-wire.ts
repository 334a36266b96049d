/**
 * Anthropic Message Batches wire shapes for the emulator: request params -> engine items, engine
 * state -> MessageBatch objects, engine results -> result lines, and Anthropic's error body.
 * Kept apart from the router so each mapping can be read (and fixed) against the spec on its own.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage } from '../types';
import { fnv1a, type BatchEngine, type EmulatedBatch, type EmulatedItem, type EmulatedItemResult } from './engine';

export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_REQUESTS = 100_000;
/** Results stay downloadable for 29 days; batches expire 24 h after creation. */
const EXPIRES_AFTER_MS = 24 * 3600 * 1000;

/** What the route keeps in `batch.meta`: params problems Anthropic would only report as errored results. */
export interface AnthropicBatchMeta {
  /** custom_id -> why its params are invalid (validation is asynchronous at Anthropic) */
  invalid: Record<string, string>;
  deleted?: boolean;
}

export function errorBody(type: string, message: string, requestId: string | null) {
  return { type: 'error' as const, error: { type, message }, request_id: requestId };
}

/**
 * The engine counts batches per tag to prove "no duplicates". Anthropic batches carry no metadata, so
 * the tag is a digest of the sorted custom_ids: two creates of the same request set share a tag.
 */
export function anthropicTag(customIds: string[]): string {
  // durabatch puts a sentinel request, unique per submission, in every batch: the best tag there is.
  const sentinel = customIds.find((id) => id.startsWith('durabatch_'));
  if (sentinel) return `anthropic:${sentinel}`;
  const digest = createHash('sha256')
    .update([...customIds].sort().join('\n'))
    .digest('hex');
  return `anthropic:${digest.slice(0, 16)}`;
}

type Block = { type?: unknown; text?: unknown };

/** A string, or text blocks joined; other block types (images, documents) carry no text to answer. */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return (content as Block[])
    .filter((b) => b && b.type === 'text' && typeof b.text === 'string')
    .map((b) => b.text as string)
    .join('');
}

/** API version 2026-10-21 removed the sampling params: any of them is a 400, even at default values. */
const REMOVED_IN_2026_10_21 = ['temperature', 'top_p', 'top_k'];

/** Mirrors the checks Anthropic runs on `params` after accepting a batch (reported per item). */
function paramsProblem(params: Record<string, unknown>, version: string): string | undefined {
  if (typeof params.model !== 'string' || !params.model) return 'model: Field required';
  if (version === '2026-10-21') {
    const removed = REMOVED_IN_2026_10_21.find((k) => params[k] !== undefined);
    if (removed) return `${removed}: Extra inputs are not permitted`;
  }
  const maxTokens = params.max_tokens;
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens)) return 'max_tokens: Field required';
  if (maxTokens < 1) return 'max_tokens: must be greater than or equal to 1';
  if (params.stream === true) return 'stream: streaming is not supported in message batches';
  if (!Array.isArray(params.messages) || params.messages.length === 0) return 'messages: at least one message is required';
  for (const [i, m] of (params.messages as Array<Record<string, unknown>>).entries()) {
    // No 'system' turns: the system prompt goes in the top-level `system` param.
    if (!m || !['user', 'assistant'].includes(m.role as string)) {
      return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    }
    if (textOf(m.content) === undefined) return `messages.${i}.content: Field required`;
  }
  return undefined;
}

/** The schema the model is asked to follow: native JSON output, or the older beta `output_format`. */
function schemaOf(params: Record<string, unknown>): Record<string, unknown> | undefined {
  const config = params.output_config as { format?: { type?: string; schema?: Record<string, unknown> } } | undefined;
  if (config?.format?.type === 'json_schema' && config.format.schema) return config.format.schema;
  const legacy = params.output_format as { type?: string; schema?: Record<string, unknown> } | undefined;
  if (legacy?.type === 'json_schema' && legacy.schema) return legacy.schema;
  return undefined;
}

/**
 * One request of the create body -> an engine item, plus the reason its params are invalid (if any).
 * `version` is the call's anthropic-version header: what is valid depends on it.
 */
export function toEmulatedItem(customId: string, rawParams: unknown, version: string): { item: EmulatedItem; invalid?: string } {
  const params = (rawParams && typeof rawParams === 'object' ? rawParams : {}) as Record<string, unknown>;
  const messages: ChatMessage[] = [];
  const system = textOf(params.system);
  if (system) messages.push({ role: 'system', content: system });
  if (Array.isArray(params.messages)) {
    for (const m of params.messages as Array<Record<string, unknown>>) {
      const role = m?.role === 'assistant' ? 'assistant' : 'user';
      messages.push({ role, content: textOf(m?.content) ?? '' });
    }
  }
  const jsonSchema = schemaOf(params);
  const item: EmulatedItem = {
    customId,
    messages,
    ...(jsonSchema && { jsonSchema }),
    ...(typeof params.max_tokens === 'number' && params.max_tokens > 0 && { maxTokens: params.max_tokens }),
  };
  const invalid = paramsProblem(params, version);
  return invalid ? { item, invalid } : { item };
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export type ResultLine = {
  custom_id: string;
  result:
    | { type: 'succeeded'; message: Record<string, unknown> }
    | { type: 'errored'; error: ReturnType<typeof errorBody> }
    | { type: 'canceled' }
    | { type: 'expired' };
};

const STOP_REASONS = { stop: 'end_turn', length: 'max_tokens', refusal: 'refusal' } as const;

/** HTTP status of an engine item error -> Anthropic's error type. */
function errorType(status: number): string {
  if (status === 400) return 'invalid_request_error';
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 529) return 'overloaded_error';
  return 'api_error';
}

function requestIdFor(batch: EmulatedBatch, customId: string): string {
  return `req_${fnv1a(`${batch.id}/${customId}`).toString(16).padStart(8, '0')}`;
}

function lineFor(batch: EmulatedBatch, result: EmulatedItemResult, invalid: string | undefined): ResultLine {
  const customId = result.customId;
  // Invalid params never reach the model, whatever the engine decided for the item.
  if (invalid && result.kind !== 'cancelled' && result.kind !== 'expired') {
    return {
      custom_id: customId,
      result: { type: 'errored', error: errorBody('invalid_request_error', invalid, requestIdFor(batch, customId)) },
    };
  }
  switch (result.kind) {
    case 'ok':
      return {
        custom_id: customId,
        result: {
          type: 'succeeded',
          message: {
            id: `msg_${fnv1a(`msg/${batch.id}/${customId}`).toString(16).padStart(8, '0')}`,
            type: 'message',
            role: 'assistant',
            model: batch.model,
            content: [{ type: 'text', text: result.text }],
            stop_reason: STOP_REASONS[result.finish],
            stop_sequence: null,
            usage: {
              input_tokens: result.usage.inputTokens,
              output_tokens: result.usage.outputTokens,
              cache_creation_input_tokens: 0,
              cache_read_input_tokens: 0,
            },
          },
        },
      };
    case 'error':
      return {
        custom_id: customId,
        result: { type: 'errored', error: errorBody(errorType(result.status), result.message, requestIdFor(batch, customId)) },
      };
    case 'cancelled':
      return { custom_id: customId, result: { type: 'canceled' } };
    case 'expired':
      return { custom_id: customId, result: { type: 'expired' } };
  }
}

/**
 * Result lines of an ended batch, in request order (Anthropic promises no order; clients match on
 * custom_id). An engine-failed batch has no results: Anthropic validates asynchronously, so the same
 * failure shows up here as every item errored (api_error: nothing wrong with the item itself).
 */
export function resultLines(engine: BatchEngine, batch: EmulatedBatch): ResultLine[] | undefined {
  const results = engine.results(batch);
  if (!results) return undefined;
  const meta = batch.meta as unknown as AnthropicBatchMeta;
  if (engine.phase(batch) === 'failed') {
    return batch.items.map((item) => ({
      custom_id: item.customId,
      result: {
        type: 'errored' as const,
        error: errorBody(
          'api_error',
          'The batch failed before this request was processed (emulated batch failure).',
          requestIdFor(batch, item.customId),
        ),
      },
    }));
  }
  return results.map((r) => lineFor(batch, r, meta.invalid[r.customId]));
}

const PROCESSING_STATUS = {
  validating: 'in_progress',
  in_progress: 'in_progress',
  finalizing: 'in_progress',
  cancelling: 'canceling',
  completed: 'ended',
  failed: 'ended',
  expired: 'ended',
  cancelled: 'ended',
} as const;

/**
 * The MessageBatch object. Every request stays in `processing` until the whole batch has ended.
 * `origin` is where this call reached the emulator (see origin.ts), so results_url works from there.
 */
export function messageBatch(engine: BatchEngine, batch: EmulatedBatch, origin: string) {
  const status = PROCESSING_STATUS[engine.phase(batch)];
  const times = engine.timestamps(batch);
  const counts = { processing: batch.items.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
  const lines = status === 'ended' ? resultLines(engine, batch) : undefined;
  if (lines) {
    counts.processing = 0;
    for (const line of lines) counts[line.result.type] += 1;
  }
  return {
    id: batch.id,
    type: 'message_batch' as const,
    processing_status: status,
    request_counts: counts,
    created_at: iso(batch.createdAtMs)!,
    expires_at: iso(batch.createdAtMs + EXPIRES_AFTER_MS)!,
    ended_at: status === 'ended' ? iso(times.endedAtMs) : null,
    cancel_initiated_at: iso(batch.cancelRequestedAtMs),
    archived_at: null,
    // Absolute, and pointing at the emulator itself: the SDK fetches this URL as given.
    results_url: status === 'ended' ? `${origin}/v1/messages/batches/${batch.id}/results` : null,
  };
}
