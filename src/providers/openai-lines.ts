/** OpenAI Batch JSONL: building input lines and reading output / error-file lines. */
import { toOpenAIStrictSchema } from '../schema/openai-strict';
import type { PreparedRequest } from '../types';
import { malformedLine } from './malformed-line';
import type { ChunkSpec, RawItemResult } from './types';

export const OPENAI_ENDPOINT = '/v1/chat/completions';

export type ChunkShape = Omit<ChunkSpec, 'requests' | 'tag'>;

const bodies = new WeakMap<ChunkShape, Record<string, unknown>>();

/**
 * The body every line shares. Built once per chunk shape: converting the schema to the strict
 * dialect costs more than serialising a request, and planning sizes every request.
 */
export function sharedBody(chunk: ChunkShape): Record<string, unknown> {
  let body = bodies.get(chunk);
  if (!body) {
    body = buildSharedBody(chunk);
    bodies.set(chunk, body);
  }
  return body;
}

function buildSharedBody(chunk: ChunkShape): Record<string, unknown> {
  return {
    model: chunk.model,
    ...(chunk.params.maxTokens !== undefined && { max_completion_tokens: chunk.params.maxTokens }),
    ...(chunk.params.temperature !== undefined && { temperature: chunk.params.temperature }),
    response_format: {
      type: 'json_schema',
      json_schema: { name: chunk.output.name, schema: toOpenAIStrictSchema(chunk.output.jsonSchema), strict: true },
    },
  };
}

/**
 * One JSONL input line: `{"custom_id","method","url","body":{...shared, "messages"}}`. The shared
 * part (model, parameters, schema: most of each line) is serialised once per chunk and spliced in;
 * only the ID and the messages are serialised per line. Byte-for-byte what JSON.stringify of the
 * whole line object gives.
 */
export function inputLine(request: PreparedRequest, body: Record<string, unknown>): string {
  return `{"custom_id":${JSON.stringify(request.customId)},"method":"POST","url":"${OPENAI_ENDPOINT}","body":{${splicedBody(body)}"messages":${JSON.stringify(request.messages)}}}\n`;
}

const splicedBodies = new WeakMap<Record<string, unknown>, string>();

/** The shared body's members as JSON text, ready to have `"messages"` appended. */
function splicedBody(body: Record<string, unknown>): string {
  let text = splicedBodies.get(body);
  if (text === undefined) {
    const members = JSON.stringify(body).slice(1, -1);
    text = members ? `${members},` : '';
    splicedBodies.set(body, text);
  }
  return text;
}

interface OutputLine {
  custom_id: string;
  response: null | {
    status_code: number;
    body?: {
      choices?: Array<{ message?: { content?: string | null; refusal?: string | null }; finish_reason?: string }>;
      usage?: { prompt_tokens?: number; completion_tokens?: number };
      error?: { message?: string; type?: string; code?: string | null };
    };
  };
  error: null | { code?: string; message?: string };
}

const FINISH: Record<string, 'stop' | 'length' | 'refusal'> = { stop: 'stop', length: 'length', content_filter: 'refusal' };

/** A line of a results file as it comes: a broken one is its item's `invalid_json`, or nothing if it names no item. */
export function readOutputLine(line: string): RawItemResult | undefined {
  try {
    return parseOutputLine(line);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return malformedLine(line, 'custom_id', err);
  }
}

/** One line of the output or error file -> the provider-neutral raw result. */
export function parseOutputLine(line: string): RawItemResult {
  const out = JSON.parse(line) as OutputLine;
  const customId = out.custom_id;
  if (out.response && out.response.status_code === 200) {
    const choice = out.response.body?.choices?.[0];
    const usage = out.response.body?.usage;
    const refusal = choice?.message?.refusal ?? undefined;
    return {
      customId,
      kind: 'message',
      text: choice?.message?.content ?? null,
      finishReason: refusal ? 'refusal' : (FINISH[choice?.finish_reason ?? ''] ?? 'other'),
      ...(refusal && { refusal }),
      ...(usage && { usage: { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 } }),
    };
  }
  if (out.response) {
    const status = out.response.status_code;
    const err = out.response.body?.error;
    return {
      customId,
      kind: 'error',
      errorType: 'provider_error',
      message: `HTTP ${status}${err?.type ? ` ${err.type}` : ''}: ${err?.message ?? 'no message'}`,
      // A 4xx other than rate limit / timeout / conflict fails the same way every time.
      retryable: status >= 500 || status === 429 || status === 408 || status === 409,
    };
  }
  const code = out.error?.code ?? 'unknown';
  const message = out.error?.message ?? code;
  if (code === 'batch_expired') return { customId, kind: 'error', errorType: 'expired', message, retryable: true };
  if (code === 'batch_cancelled') return { customId, kind: 'error', errorType: 'cancelled', message, retryable: false };
  return { customId, kind: 'error', errorType: 'provider_error', message: `${code}: ${message}`, retryable: true };
}
