import type { z } from 'zod';
import type { RawItemResult } from '../src/providers/types';
import { decodeStructured, type JsonSchema } from '../src/schema';
import type { StoredOutcome } from '../src/store';
import type { BatchState, ItemError, ItemErrorType } from '../src/types';

/** An outcome before it is given the item's position in the job. */
export type ItemOutcome = Omit<StoredOutcome, 'idx'>;

/** One provider answer -> a typed outcome: a validated result, or a classified failure. */
export function classifyResult(
  raw: RawItemResult,
  attempt: number,
  schema: z.ZodType,
  jsonSchema: JsonSchema,
  retryOn: ItemErrorType[],
): ItemOutcome {
  const { idx: _idx, ...outcome } = classifyItem(0, raw, attempt, schema, jsonSchema, retryOn);
  return outcome;
}

/**
 * `classifyResult` with the item's position: the outcome as stored, built in one go (`idx` first,
 * then the fields in classifyResult's order) since it runs for every line of every results file.
 */
export function classifyItem(
  idx: number,
  raw: RawItemResult,
  attempt: number,
  schema: z.ZodType,
  jsonSchema: JsonSchema,
  retryOn: ItemErrorType[],
): StoredOutcome {
  if (raw.kind === 'error') return failed(idx, raw, attempt, { type: raw.errorType, message: raw.message }, raw.retryable, retryOn);
  if (raw.finishReason === 'refusal')
    return failed(idx, raw, attempt, { type: 'refusal', message: raw.refusal ?? 'the model refused to answer' }, true, retryOn);
  if (raw.finishReason === 'length') {
    return failed(
      idx,
      raw,
      attempt,
      { type: 'truncated', message: 'the answer hit the max tokens limit before it was complete' },
      true,
      retryOn,
    );
  }
  if (raw.text === null || raw.text.trim() === '')
    return failed(idx, raw, attempt, { type: 'invalid_json', message: 'the model returned no text' }, true, retryOn);
  const decoded = decodeStructured(raw.text, schema, jsonSchema);
  if (!decoded.ok) return failed(idx, raw, attempt, { type: decoded.type, message: decoded.message }, true, retryOn);
  const outcome: StoredOutcome = { idx, customId: raw.customId, attempt, ok: true, data: decoded.data };
  if (raw.usage) outcome.usage = raw.usage;
  return outcome;
}

function failed(
  idx: number,
  raw: RawItemResult,
  attempt: number,
  error: ItemError,
  providerRetryable: boolean,
  retryOn: ItemErrorType[],
): StoredOutcome {
  const outcome: StoredOutcome = {
    idx,
    customId: raw.customId,
    attempt,
    ok: false,
    error,
    retryable: providerRetryable && retryOn.includes(error.type),
  };
  // An answer that fails validation was still produced, and billed: its tokens count in the job's usage.
  if (raw.kind === 'message' && raw.usage) outcome.usage = raw.usage;
  return outcome;
}

/**
 * How a chunk ended when its items have no answer of their own: the batch's end state, or one of the
 * job's own ends (never submitted; a create that never got through; a provider that could not be
 * reached within the retry deadline; the job failed).
 */
export type ChunkEnd = BatchState | 'unsubmitted' | 'submit_failed' | 'unreachable' | 'job_failed';

/** An item the provider never reported: what happened to it follows from how the chunk ended. */
export function missingResult(
  customId: string,
  attempt: number,
  batchState: ChunkEnd,
  batchError: string | undefined,
  retryOn: ItemErrorType[],
): ItemOutcome {
  const detail = batchError ? ` (${batchError})` : '';
  const [error, retryable]: [ItemError, boolean] =
    batchState === 'expired'
      ? [{ type: 'expired', message: 'the batch expired before this request ran' }, true]
      : batchState === 'cancelled' || batchState === 'unsubmitted'
        ? // A job the user cancelled is not re-submitted.
          [{ type: 'cancelled', message: `the job was cancelled before this request ran${detail}` }, false]
        : batchState === 'failed'
          ? [{ type: 'batch_failed', message: `the provider failed the whole batch${batchError ? `: ${batchError}` : ''}` }, true]
          : batchState === 'submit_failed'
            ? [{ type: 'provider_error', message: batchError ?? 'the provider batch could not be created' }, true]
            : batchState === 'unreachable'
              ? // The batch may still run (and be billed): re-submitting could pay twice.
                [{ type: 'provider_error', message: batchError ?? 'the provider could not be reached' }, false]
              : batchState === 'job_failed'
                ? [{ type: 'batch_failed', message: batchError ?? 'the job failed before this request ran' }, false]
                : [{ type: 'provider_error', message: `the provider returned no result for this request${detail}` }, true];
  return { customId, attempt, ok: false, error, retryable: retryable && retryOn.includes(error.type) };
}
