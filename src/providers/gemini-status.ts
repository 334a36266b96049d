/**
 * Gemini batch state -> the shared batch state machine. The API says BATCH_STATE_*; the SDK turns
 * those into JOB_STATE_* (and passes unknown words through), so both spellings are accepted.
 *
 *   PENDING, QUEUED  -> 'validating'  (accepted, not running yet: the closest shared word)
 *   RUNNING          -> 'in_progress'
 *   CANCELLING       -> 'cancelling'  (Vertex word; the Developer API stays RUNNING until it stops)
 *   SUCCEEDED        -> 'completed';  PARTIALLY_SUCCEEDED (Vertex) too: the results say which failed
 *   FAILED           -> 'failed'
 *   CANCELLED        -> 'cancelled'
 *   EXPIRED          -> 'expired'     (48 h without finishing; such batches have no results at all)
 *   anything else (UNSPECIFIED, PAUSED, UPDATING, new words) -> 'in_progress': keep polling, and
 *   `providerStatus` shows the raw word to whoever reads the status.
 */
import type { BatchState } from '../types';
import type { RawBatchOperation } from './gemini-client';
import type { ProviderBatchStatus } from './types';

const STATES: Record<string, BatchState> = {
  PENDING: 'validating',
  QUEUED: 'validating',
  RUNNING: 'in_progress',
  CANCELLING: 'cancelling',
  SUCCEEDED: 'completed',
  PARTIALLY_SUCCEEDED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  EXPIRED: 'expired',
};

export function toBatchState(word: string | undefined): BatchState {
  return STATES[(word ?? '').replace(/^(BATCH|JOB)_STATE_/, '')] ?? 'in_progress';
}

const count = (v: string | number | undefined) => (v === undefined ? 0 : Number(v) || 0);

/** From the raw Operation: int64 counts arrive as strings. */
export function toProviderStatus(op: RawBatchOperation): ProviderBatchStatus {
  const word = op.metadata?.state ?? 'BATCH_STATE_UNSPECIFIED';
  const stats = op.metadata?.batchStats;
  const state = toBatchState(word);
  return {
    state,
    providerStatus: word,
    counts: {
      total: count(stats?.requestCount),
      succeeded: count(stats?.successfulRequestCount),
      failed: count(stats?.failedRequestCount),
    },
    ...(state === 'failed' && { error: op.error?.message ?? 'Gemini reported the batch as failed without a reason' }),
  };
}
