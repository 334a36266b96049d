/**
 * The workflow's whole state, small and serialisable: it is what continueAsNew carries and what
 * the status query shows. It grows with chunks and attempts, never with items.
 */
import {
  jobSize,
  type ChunkResultSummary,
  type ChunkState,
  type JobCounts,
  type JobInput,
  type JobPhase,
  type JobStatus,
  type RequestsRef,
} from '../src/job';
import type { ItemErrorType, Usage } from '../src/types';

export interface JobState {
  phase: JobPhase;
  attempt: number;
  /** True once the current attempt's chunks are planned. */
  planned: boolean;
  chunks: ChunkState[];
  usage: Usage;
  pollDelayMs: number;
  cancelRequested: boolean;
  /** True once the provider was asked to cancel the open batches. */
  cancelSent: boolean;
  /** Where the requests are, once the first activity has checked (or, for inline jobs, written) them. */
  source?: RequestsRef;
}

export function initialState(input: JobInput): JobState {
  return {
    phase: 'validating',
    attempt: 1,
    planned: false,
    chunks: [],
    usage: { inputTokens: 0, outputTokens: 0 },
    pollDelayMs: input.timing.pollInitialMs,
    cancelRequested: false,
    cancelSent: false,
  };
}

export function currentChunks(s: JobState): ChunkState[] {
  return s.chunks.filter((c) => c.attempt === s.attempt);
}

export function applyChunkResult(s: JobState, chunk: ChunkState, r: ChunkResultSummary): void {
  Object.assign(chunk, {
    fetched: true,
    succeeded: r.succeeded,
    failed: r.failed,
    retryable: r.retryable,
    finalErrors: r.finalErrors,
    retryableErrors: r.retryableErrors,
  });
  s.usage.inputTokens += r.usage.inputTokens;
  s.usage.outputTokens += r.usage.outputTokens;
}

/**
 * Cancelled after an attempt ended but before any batch of the next one was made: that next attempt
 * never happened. Its items end with the failure the attempt before gave them, and with that
 * attempt's number, instead of as `cancelled` in an attempt that never ran.
 */
export function retreatFromUnsubmittedAttempt(s: JobState): void {
  if (s.attempt === 1 || currentChunks(s).some((c) => c.batchId)) return;
  s.chunks = s.chunks.filter((c) => c.attempt !== s.attempt);
  s.attempt -= 1;
  s.planned = true;
}

function isEnded(s: JobState): boolean {
  return s.phase === 'completed' || s.phase === 'cancelled';
}

/**
 * Every item is in exactly one bucket: succeeded; failed for good (a non-retryable failure in
 * any attempt, or a retryable one in the last attempt once the job has ended); or pending.
 */
export function counts(input: JobInput, s: JobState): JobCounts {
  let succeeded = 0;
  let failed = 0;
  for (const c of s.chunks) {
    succeeded += c.succeeded;
    failed += c.failed - c.retryable;
    if (isEnded(s) && c.attempt === s.attempt) failed += c.retryable;
  }
  const total = jobSize(input);
  return { total, succeeded, failed, pending: total - succeeded - failed };
}

export function finalErrorsByType(s: JobState): Partial<Record<ItemErrorType, number>> {
  const out: Partial<Record<ItemErrorType, number>> = {};
  const add = (m: Partial<Record<ItemErrorType, number>>) => {
    for (const [k, v] of Object.entries(m)) out[k as ItemErrorType] = (out[k as ItemErrorType] ?? 0) + (v ?? 0);
  };
  for (const c of s.chunks) {
    add(c.finalErrors);
    if (c.attempt === s.attempt) add(c.retryableErrors);
  }
  return out;
}

export function statusOf(input: JobInput, s: JobState): JobStatus {
  return {
    jobId: input.jobId,
    provider: input.provider,
    model: input.model,
    phase: s.phase,
    attempt: s.attempt,
    maxAttempts: input.maxAttempts,
    counts: counts(input, s),
    usage: { ...s.usage },
    chunks: s.chunks.map((c) => ({ ...c })),
    cancelRequested: s.cancelRequested,
    ...(s.source && { storeUrl: s.source.storeUrl }),
  };
}

/** Markdown for the Temporal Web UI's "current details". */
export function detailsMarkdown(input: JobInput, s: JobState): string {
  const c = counts(input, s);
  const rows = s.chunks
    .slice(-20)
    .map(
      (k) =>
        `| ${k.attempt} | ${k.index} | ${k.items} | \`${k.batchId ?? '-'}\` | ${k.state} | ${k.fetched ? `${k.succeeded} ok / ${k.failed} failed` : '-'} |`,
    );
  return [
    `**${input.provider} ${input.model}** · phase **${s.phase}** · attempt ${s.attempt}/${input.maxAttempts}`,
    '',
    `${c.succeeded} succeeded · ${c.failed} failed · ${c.pending} pending of ${c.total}`,
    '',
    '| attempt | chunk | items | provider batch | state | results |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
