/**
 * Anthropic MessageBatch -> the shared batch state machine.
 *
 *   in_progress -> 'in_progress'  (Anthropic has no separate validating/finalizing phases)
 *   canceling   -> 'cancelling'
 *   ended       -> decided by how it ended:
 *     - a cancel was initiated        -> 'cancelled' (results hold what finished before it, the rest `canceled`)
 *     - any request `expired`          -> 'expired'   (the 24 h window ran out; results hold what finished)
 *     - otherwise                      -> 'completed' (succeeded and errored requests alike: item errors are data)
 *   Anthropic never fails a whole batch (params are validated per request, asynchronously), so 'failed'
 *   is never reported. In every terminal state the results are worth fetching.
 *
 * Counts: Anthropic keeps every request in `processing` until the whole batch ends, so succeeded and
 * failed stay 0 while it runs. The sentinel request (see anthropic-sentinel.ts) is taken out of the
 * total; which bucket it ended in is unknown until the results are read, so it is taken from
 * `succeeded` when there is one (the usual case) — the counts are for people, the results are exact.
 */
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import type { BatchState } from '../types';
import type { ProviderBatchStatus } from './types';

export function batchTotal(batch: MessageBatch): number {
  const c = batch.request_counts;
  return c.processing + c.succeeded + c.errored + c.canceled + c.expired;
}

function stateOf(batch: MessageBatch): BatchState {
  if (batch.processing_status === 'in_progress') return 'in_progress';
  if (batch.processing_status === 'canceling') return 'cancelling';
  if (batch.processing_status !== 'ended') return 'in_progress'; // an unknown word: keep polling
  const c = batch.request_counts;
  if (batch.cancel_initiated_at || (c.canceled > 0 && c.canceled === batchTotal(batch))) return 'cancelled';
  if (c.expired > 0) return 'expired';
  return 'completed';
}

export function toProviderStatus(batch: MessageBatch, hasSentinel = true): ProviderBatchStatus {
  const c = batch.request_counts;
  let succeeded = c.succeeded;
  let failed = c.errored + c.expired + c.canceled;
  let total = batchTotal(batch);
  if (hasSentinel && total > 0) {
    total -= 1;
    if (succeeded > 0) succeeded -= 1;
    else if (failed > 0) failed -= 1;
  }
  return { state: stateOf(batch), providerStatus: batch.processing_status, counts: { total, succeeded, failed } };
}
