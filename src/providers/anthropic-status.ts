/**
 * Anthropic MessageBatch -> the shared batch state machine.
 *
 *   in_progress -> 'in_progress'  (Anthropic has no separate validating/finalizing phases)
 *   canceling   -> 'cancelling'
 *   ended       -> decided by how it ended (the sentinel request left out):
 *     - every request succeeded        -> 'completed' (even if a cancel came too late to stop any)
 *     - every request canceled         -> 'cancelled'
 *     - a cancel was initiated         -> 'cancelled' (results hold what finished before it, the rest `canceled`)
 *     - any request `expired`          -> 'expired'   (the 24 h window ran out; results hold what finished)
 *     - otherwise                      -> 'completed' (succeeded and errored requests alike: item errors are data)
 *   Anthropic never fails a whole batch (params are validated per request, asynchronously), so 'failed'
 *   is never reported. In every terminal state the results are worth fetching.
 *
 * Counts: Anthropic keeps every request in `processing` until the whole batch ends, so succeeded and
 * failed stay 0 while it runs. The sentinel request (see anthropic-sentinel.ts) is taken out of the
 * counts; which bucket it ended in is unknown until the results are read, so it is taken from
 * `succeeded` when there is one (the usual case), else from `canceled` (a batch cancelled early).
 */
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import type { BatchState } from '../types';
import type { ProviderBatchStatus } from './types';

type RequestCounts = MessageBatch['request_counts'];

function sum(c: RequestCounts): number {
  return c.processing + c.succeeded + c.errored + c.canceled + c.expired;
}

export function batchTotal(batch: MessageBatch): number {
  return sum(batch.request_counts);
}

/** Request counts without the sentinel, which most likely succeeded (its bucket is unknown until results are read). */
function itemCounts(batch: MessageBatch, hasSentinel: boolean): RequestCounts {
  const c = { ...batch.request_counts };
  if (!hasSentinel || batchTotal(batch) === 0) return c;
  const bucket = (['succeeded', 'canceled', 'errored', 'expired', 'processing'] as const).find((k) => c[k] > 0);
  if (bucket) c[bucket] -= 1;
  return c;
}

function stateOf(batch: MessageBatch, c: RequestCounts): BatchState {
  if (batch.processing_status === 'in_progress') return 'in_progress';
  if (batch.processing_status === 'canceling') return 'cancelling';
  if (batch.processing_status !== 'ended') return 'in_progress'; // an unknown word: keep polling
  const total = sum(c); // nothing is processing once a batch has ended
  // Decided by the items first: a cancel that came too late to stop anything still leaves a completed batch.
  if (total > 0 && c.succeeded === total) return 'completed';
  if (total > 0 && c.canceled === total) return 'cancelled';
  if (batch.cancel_initiated_at) return 'cancelled';
  if (c.expired > 0) return 'expired';
  return 'completed';
}

export function toProviderStatus(batch: MessageBatch, hasSentinel = true): ProviderBatchStatus {
  const c = itemCounts(batch, hasSentinel);
  return {
    state: stateOf(batch, c),
    providerStatus: batch.processing_status,
    counts: { total: sum(c), succeeded: c.succeeded, failed: c.errored + c.expired + c.canceled },
  };
}
