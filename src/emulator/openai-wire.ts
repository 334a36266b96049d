/**
 * OpenAI wire shapes: the Batch object, the File object, error bodies and the output / error JSONL
 * lines. Pure functions of engine state, so routes stay thin and shapes live in one place.
 */
import { fnv1a, type BatchEngine, type EmulatedBatch, type EmulatedItemResult, type StoredFile } from './engine';
import type { BatchLineError } from './openai-input';

/** Batches expire 24 h after creation; completion_window only accepts '24h'. */
export const COMPLETION_WINDOW_MS = 24 * 60 * 60 * 1000;

const seconds = (ms: number | undefined): number | null => (ms === undefined ? null : Math.floor(ms / 1000));

/** Stable, id-looking suffix so output lines are identical across runs. */
function stableHex(seed: string, length = 24): string {
  let out = '';
  // Chain each block on the previous one so the blocks don't share digits.
  for (let block = seed; out.length < length;) {
    block = fnv1a(`${block}#${out.length}`).toString(16).padStart(8, '0');
    out += block;
  }
  return out.slice(0, length);
}

export function errorBody(message: string, type: string, param: string | null = null, code: string | null = null) {
  return { error: { message, type, param, code } };
}

/** What the routes keep in `batch.meta` for OpenAI batches. */
export interface OpenAIBatchMeta {
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  /** line-level validation problems that failed the batch */
  validationErrors?: BatchLineError[];
  output_file_id?: string | null;
  error_file_id?: string | null;
}

export function metaOf(batch: EmulatedBatch): OpenAIBatchMeta {
  return batch.meta as unknown as OpenAIBatchMeta;
}

export function fileObject(file: StoredFile) {
  const expiresAtMs = file.ttlMs === undefined ? undefined : file.createdAtMs + file.ttlMs;
  return {
    id: file.id,
    object: 'file' as const,
    bytes: file.bytes.byteLength,
    created_at: seconds(file.createdAtMs),
    expires_at: seconds(expiresAtMs),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed' as const,
    status_details: null,
  };
}

function chatCompletion(batch: EmulatedBatch, result: Extract<EmulatedItemResult, { kind: 'ok' }>, createdMs: number) {
  const refusal = result.finish === 'refusal';
  return {
    id: `chatcmpl-${stableHex(`${batch.id}:${result.customId}:chat`)}`,
    object: 'chat.completion',
    created: seconds(createdMs),
    model: batch.model,
    choices: [
      {
        index: 0,
        // A refusal is a normal stop whose text sits in `refusal`, with `content` null.
        message: { role: 'assistant', content: refusal ? null : result.text, refusal: refusal ? result.text : null, annotations: [] },
        logprobs: null,
        finish_reason: result.finish === 'length' ? 'length' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: result.usage.inputTokens,
      completion_tokens: result.usage.outputTokens,
      total_tokens: result.usage.inputTokens + result.usage.outputTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    service_tier: 'default',
    system_fingerprint: 'fp_emulator',
  };
}

/** One line per item: which file it belongs to and the JSON of the line. */
export function resultLine(batch: EmulatedBatch, result: EmulatedItemResult, createdMs: number) {
  const id = `batch_req_${stableHex(`${batch.id}:${result.customId}`)}`;
  const requestId = `req_${stableHex(`${batch.id}:${result.customId}:req`, 32)}`;
  const base = { id, custom_id: result.customId };
  switch (result.kind) {
    case 'ok':
      return {
        file: 'output' as const,
        line: {
          ...base,
          response: { status_code: 200, request_id: requestId, body: chatCompletion(batch, result, createdMs) },
          error: null,
        },
      };
    case 'error':
      return {
        file: 'error' as const,
        line: {
          ...base,
          response: { status_code: result.status, request_id: requestId, body: errorBody(result.message, result.code) },
          error: null,
        },
      };
    case 'expired':
      return {
        file: 'error' as const,
        line: {
          ...base,
          response: null,
          error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
        },
      };
    case 'cancelled':
      return {
        file: 'error' as const,
        line: {
          ...base,
          response: null,
          error: { code: 'batch_cancelled', message: 'This request was not executed because the batch was cancelled.' },
        },
      };
  }
}

/**
 * Request counts: while running they grow with progress; once terminal, `completed` counts the
 * output-file lines and `failed` the error-file lines, so the two files and the counts always agree.
 */
function requestCounts(engine: BatchEngine, batch: EmulatedBatch, status: string) {
  if (status === 'validating' || status === 'failed') return { total: 0, completed: 0, failed: 0 };
  const results = engine.results(batch);
  if (results) {
    const completed = results.filter((r) => r.kind === 'ok').length;
    return { total: results.length, completed, failed: results.length - completed };
  }
  const p = engine.progress(batch);
  return { total: p.total, completed: p.done - p.failed, failed: p.failed };
}

function usageOf(engine: BatchEngine, batch: EmulatedBatch) {
  let input = 0;
  let output = 0;
  for (const r of engine.results(batch) ?? []) {
    if (r.kind !== 'ok') continue;
    input += r.usage.inputTokens;
    output += r.usage.outputTokens;
  }
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

function batchErrors(batch: EmulatedBatch, status: string) {
  if (status !== 'failed') return null;
  const data = metaOf(batch).validationErrors ?? [
    { code: 'invalid_request', message: 'The batch failed validation (emulated batchFailure fault).', param: null, line: null },
  ];
  return { object: 'list', data };
}

/** The Batch object, every field present as the API's examples show (null until set). */
export function batchObject(engine: BatchEngine, batch: EmulatedBatch) {
  const status = engine.phase(batch);
  const ts = engine.timestamps(batch);
  const meta = metaOf(batch);
  const ended = (phase: string) => (status === phase ? seconds(ts.endedAtMs) : null);
  return {
    id: batch.id,
    object: 'batch' as const,
    endpoint: meta.endpoint,
    model: batch.model,
    errors: batchErrors(batch, status),
    input_file_id: meta.input_file_id,
    completion_window: meta.completion_window,
    status,
    output_file_id: meta.output_file_id ?? null,
    error_file_id: meta.error_file_id ?? null,
    created_at: seconds(batch.createdAtMs),
    in_progress_at: seconds(ts.inProgressAtMs),
    expires_at: seconds(batch.createdAtMs + COMPLETION_WINDOW_MS),
    finalizing_at: seconds(ts.finalizingAtMs),
    completed_at: ended('completed'),
    failed_at: ended('failed'),
    expired_at: ended('expired'),
    cancelling_at: seconds(ts.cancellingAtMs),
    cancelled_at: ended('cancelled'),
    request_counts: requestCounts(engine, batch, status),
    usage: usageOf(engine, batch),
    metadata: meta.metadata,
  };
}
