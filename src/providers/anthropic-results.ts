/** Anthropic batch result lines -> provider-neutral raw results. */
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { invalidLine, malformedLine } from './malformed-line';
import type { RawItemResult } from './types';

type Finish = Extract<RawItemResult, { kind: 'message' }>['finishReason'];

const FINISH: Record<string, Finish> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  refusal: 'refusal',
};

/**
 * A line of a results file as it comes, read the way OpenAI's and Gemini's are (malformed-line.ts):
 * a line that is not JSON, or JSON that is not a result, is its item's `invalid_json` when the line
 * names the item, and nothing (the item ends as "no result") when it does not. Never a failed fetch.
 */
export function readResultLine(text: string): RawItemResult | undefined {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch (err) {
    return malformedLine(text, 'custom_id', err);
  }
  const customId = (line as { custom_id?: unknown } | null)?.custom_id;
  if (typeof customId !== 'string') return undefined;
  const problem = shapeProblem((line as { result?: unknown }).result);
  return problem ? invalidLine(customId, problem) : toRawResult(line as MessageBatchIndividualResponse);
}

/** Why `toRawResult` could not read this result, or undefined: it trusts exactly the shape checked here. */
function shapeProblem(result: unknown): string | undefined {
  if (!result || typeof result !== 'object') return 'has no result';
  const { type, message } = result as { type?: unknown; message?: { content?: unknown } | null };
  switch (type) {
    case 'succeeded':
      return Array.isArray(message?.content) && message.content.every((b) => b && typeof b === 'object')
        ? undefined
        : 'has a succeeded result without message content';
    case 'errored':
    case 'canceled':
    case 'expired':
      return undefined;
    default:
      return `has a result of unknown type ${JSON.stringify(type)}`;
  }
}

export function toRawResult(line: MessageBatchIndividualResponse): RawItemResult {
  const customId = line.custom_id;
  const result = line.result;
  switch (result.type) {
    case 'succeeded': {
      const message = result.message;
      const texts = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : []));
      const finishReason = FINISH[message.stop_reason ?? ''] ?? 'other';
      const text = texts.length > 0 ? texts.join('') : null;
      const refusal =
        finishReason === 'refusal'
          ? (message.stop_details?.explanation ?? text ?? `The model refused (${message.stop_details?.category ?? 'no category'})`)
          : undefined;
      return {
        customId,
        kind: 'message',
        text,
        finishReason,
        ...(refusal !== undefined && { refusal }),
        // Always there on the real API; a line without it still carries its answer.
        ...(message.usage && { usage: { inputTokens: message.usage.input_tokens ?? 0, outputTokens: message.usage.output_tokens ?? 0 } }),
      };
    }
    case 'errored': {
      const error = result.error?.error;
      const type = error?.type ?? 'api_error';
      return {
        customId,
        kind: 'error',
        errorType: 'provider_error',
        message: `${type}: ${error?.message ?? 'no message'}`,
        // The same params fail the same way every time; everything else (overload, 5xx...) may pass later.
        retryable: type !== 'invalid_request_error',
      };
    }
    case 'canceled':
      return {
        customId,
        kind: 'error',
        errorType: 'cancelled',
        message: 'The batch was cancelled before this request ran.',
        retryable: false,
      };
    case 'expired':
      return {
        customId,
        kind: 'error',
        errorType: 'expired',
        message: 'The batch expired (24 h) before this request ran.',
        retryable: true,
      };
  }
}
