/**
 * Gemini batch output -> provider-neutral raw results. One decoder serves inlined responses (already
 * passed through the SDK) and responses-file lines (raw JSON): both are plain objects with the same
 * GenerateContentResponse fields, so nothing here relies on SDK getters such as `.text`.
 */
import { malformedLine } from './malformed-line';
import type { RawItemResult } from './types';

type Finish = Extract<RawItemResult, { kind: 'message' }>['finishReason'];

interface Part {
  text?: string;
  thought?: boolean;
}
export interface ResponseShape {
  candidates?: Array<{ content?: { parts?: Part[] }; finishReason?: string; finishMessage?: string }>;
  promptFeedback?: { blockReason?: string; blockReasonMessage?: string };
  usageMetadata?: { promptTokenCount?: number; candidatesTokenCount?: number; thoughtsTokenCount?: number };
}
export interface ErrorShape {
  code?: number;
  message?: string;
  status?: string;
}

const FINISH: Record<string, Finish> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'refusal',
  RECITATION: 'refusal',
  PROHIBITED_CONTENT: 'refusal',
  BLOCKLIST: 'refusal',
  SPII: 'refusal',
};

/** Codes where the same request fails the same way again: gRPC codes (inline output) or HTTP statuses. */
const PERMANENT = new Set([3, 5, 7, 9, 11, 12, 16, 400, 401, 403, 404]);
const PERMANENT_STATUS = new Set(['INVALID_ARGUMENT', 'NOT_FOUND', 'PERMISSION_DENIED', 'FAILED_PRECONDITION', 'UNAUTHENTICATED']);
/** google.rpc.Code CANCELLED */
const CANCELLED = 1;

export function decodeError(customId: string, error: ErrorShape): RawItemResult {
  const label = error.status ?? (error.code !== undefined ? `code ${error.code}` : 'error');
  const message = `${label}: ${error.message ?? 'no message'}`;
  if (error.code === CANCELLED || error.status === 'CANCELLED') {
    return { customId, kind: 'error', errorType: 'cancelled', message, retryable: false };
  }
  const permanent = (error.code !== undefined && PERMANENT.has(error.code)) || PERMANENT_STATUS.has(error.status ?? '');
  return { customId, kind: 'error', errorType: 'provider_error', message, retryable: !permanent };
}

export function decodeResponse(customId: string, response: ResponseShape): RawItemResult {
  const meta = response.usageMetadata;
  // Thinking tokens are billed as output, so they count as output here too.
  const usage = meta && {
    inputTokens: meta.promptTokenCount ?? 0,
    outputTokens: (meta.candidatesTokenCount ?? 0) + (meta.thoughtsTokenCount ?? 0),
  };
  const candidate = response.candidates?.[0];
  const blocked = response.promptFeedback?.blockReason;
  if (!candidate && blocked) {
    const detail = response.promptFeedback?.blockReasonMessage;
    return {
      customId,
      kind: 'message',
      text: null,
      finishReason: 'refusal',
      refusal: `The prompt was blocked (${blocked})${detail ? `: ${detail}` : ''}`,
      ...(usage && { usage }),
    };
  }
  const texts = (candidate?.content?.parts ?? []).filter((p) => typeof p.text === 'string' && !p.thought).map((p) => p.text!);
  const reason = candidate?.finishReason ?? '';
  const finishReason = FINISH[reason] ?? 'other';
  return {
    customId,
    kind: 'message',
    text: texts.length > 0 ? texts.join('') : null,
    finishReason,
    ...(finishReason === 'refusal' && {
      refusal: `The answer was blocked (${reason})${candidate?.finishMessage ? `: ${candidate.finishMessage}` : ''}`,
    }),
    ...(usage && { usage }),
  };
}

/** An output item with a response, an error, or (unexpectedly) neither. */
export function decodeItem(customId: string, item: { response?: unknown; error?: unknown }): RawItemResult {
  if (item.error) return decodeError(customId, item.error as ErrorShape);
  if (item.response) return decodeResponse(customId, item.response as ResponseShape);
  return {
    customId,
    kind: 'error',
    errorType: 'provider_error',
    message: 'Gemini returned neither a response nor an error',
    retryable: true,
  };
}

/**
 * One line of a responses file: its item's answer, the item's `invalid_json` for a line too broken
 * to parse that still shows its key, or undefined for a line that names no item.
 */
export function readResponsesLine(line: string): RawItemResult | undefined {
  let item: { key?: unknown; response?: unknown; error?: unknown };
  try {
    item = JSON.parse(line) as typeof item;
  } catch (err) {
    return malformedLine(line, 'key', err);
  }
  return typeof item.key === 'string' ? decodeItem(item.key, item) : undefined;
}
