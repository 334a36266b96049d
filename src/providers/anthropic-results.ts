/** Anthropic batch result lines -> provider-neutral raw results. */
import type { MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { RawItemResult } from './types';

type Finish = Extract<RawItemResult, { kind: 'message' }>['finishReason'];

const FINISH: Record<string, Finish> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  refusal: 'refusal',
};

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
        usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
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
      return { customId, kind: 'error', errorType: 'cancelled', message: 'The batch was cancelled before this request ran.', retryable: false };
    case 'expired':
      return { customId, kind: 'error', errorType: 'expired', message: 'The batch expired (24 h) before this request ran.', retryable: true };
  }
}
