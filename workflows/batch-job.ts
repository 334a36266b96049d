import {
  ApplicationFailure,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  allHandlersFinished,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  DEFAULT_TIMING,
  jobRef,
  jobSize,
  MAX_INLINE_REQUEST_BYTES,
  NON_RETRYABLE_TYPES,
  type ChunkState,
  type JobInput,
  type JobPhase,
  type JobRef,
  type JobSummary,
} from '../src/job';
import type { ProviderBatchStatus } from '../src/providers/types';
import { ITEMS_KEY, PHASE_KEY, PROVIDER_KEY } from '../src/search-attributes';
import { isTerminalBatchState } from '../src/types';
import {
  applyChunkResult,
  currentChunks,
  detailsMarkdown,
  finalErrorsByType,
  initialState,
  retreatFromUnsubmittedAttempt,
  statusOf,
  type JobState,
} from './job-state';
import { cancelSignal, statusQuery } from './messages';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: NON_RETRYABLE_TYPES };

function activitiesFor(input: JobInput) {
  const heartbeatTimeout = input.timing.heartbeatTimeoutMs;
  const quick = proxyActivities<Activities>({ startToCloseTimeout: '2m', retry });
  const long = proxyActivities<Activities>({ startToCloseTimeout: '1h', heartbeatTimeout, retry });
  // Clean-up after a failure must not keep a failed job open forever: a few tries, then give up.
  const lastTry = proxyActivities<Activities>({ startToCloseTimeout: '2m', retry: { ...retry, maximumAttempts: 5 } });
  return {
    cancelBatchesOfFailedJob: lastTry.cancelBatches,
    validateJob: quick.validateJob,
    planAttempt: quick.planAttempt,
    pollBatches: quick.pollBatches,
    cancelBatches: quick.cancelBatches,
    submitChunk: long.submitChunk,
    fetchResults: long.fetchResults,
  };
}

/**
 * One durable batch job: validate -> plan -> submit -> poll -> fetch -> re-submit failures while
 * attempts remain. `state` is only given by continueAsNew.
 */
export async function batchJobWorkflow(input: JobInput, state?: JobState): Promise<JobSummary> {
  const s = state ?? initialState(input);
  const firstRunId = workflowInfo().firstExecutionRunId;
  // Requests travel by reference once the first activity has named them (jobs recorded before that get them inline).
  let ref: JobRef = jobRef(input, firstRunId, s.source ?? input.source);
  const acts = activitiesFor(input);

  setHandler(statusQuery, () => statusOf(input, s));
  setHandler(cancelSignal, (reason?: string) => {
    if (!s.cancelRequested) log.info('cancel requested', { reason });
    s.cancelRequested = true;
  });

  const setPhase = (phase: JobPhase) => {
    if (s.phase !== phase) {
      s.phase = phase;
      upsertSearchAttributes([{ key: PHASE_KEY, value: phase }]);
    }
    setCurrentDetails(detailsMarkdown(input, s));
  };
  if (!state) {
    upsertSearchAttributes([
      { key: PROVIDER_KEY, value: input.provider },
      { key: ITEMS_KEY, value: jobSize(input) },
      { key: PHASE_KEY, value: s.phase },
    ]);
  }

  try {
    if (s.phase === 'validating') {
      if (patched(INLINE_CAP_PATCH)) refuseLargeInlineRequests(input);
      setPhase('validating');
      const source = await acts.validateJob({ ...ref, maxAttempts: input.maxAttempts, timing: input.timing });
      // Jobs recorded before requests moved to the store got no reference back: they keep theirs inline.
      if (source) {
        s.source = source;
        ref = jobRef(input, firstRunId, source);
      }
    }
    await run();
    return summary();
  } catch (err) {
    if (isCancellation(err)) {
      // Temporal's own cancellation: same clean-up as the signal, then end as Cancelled.
      s.cancelRequested = true;
      await CancellationScope.nonCancellable(windDown);
      throw err;
    }
    // Not a failure: the job goes on in its next run.
    if (err instanceof ContinueAsNew) throw err;
    // A job that cannot go on stops paying: open provider batches are cancelled (their results would
    // have no reader). Best effort: the failure that ended the job is what gets reported.
    const open = s.chunks.filter((c) => c.batchId && !c.fetched).map((c) => c.batchId!);
    if (open.length) {
      await CancellationScope.nonCancellable(() => acts.cancelBatchesOfFailedJob(input.provider, open)).catch((cancelErr) =>
        log.warn('could not cancel the open provider batches of a failed job', { batches: open, error: String(cancelErr) }),
      );
    }
    setPhase('failed');
    throw err;
  }

  async function run(): Promise<void> {
    for (;;) {
      if (s.cancelRequested) return windDown();
      if (!s.planned) await planAttempt();
      await submitPlanned();
      if (s.cancelRequested) return windDown();

      setPhase('polling');
      while (currentChunks(s).some((c) => !c.fetched)) {
        await condition(() => s.cancelRequested, s.pollDelayMs);
        if (s.cancelRequested) return windDown();
        s.pollDelayMs = Math.min(input.timing.pollMaxMs, Math.round(s.pollDelayMs * input.timing.pollFactor));
        await pollAndFetch();
        await continueAsNewIfSuggested();
      }

      const retryable = currentChunks(s).reduce((n, c) => n + c.retryable, 0);
      if (retryable === 0 || s.attempt >= input.maxAttempts) return setPhase('completed');
      log.info('re-submitting failed items', { attempt: s.attempt + 1, items: retryable });
      s.attempt += 1;
      s.planned = false;
    }
  }

  async function planAttempt(): Promise<void> {
    const plan = await acts.planAttempt(ref, s.attempt);
    let offset = 0;
    plan.chunkSizes.forEach((items, index) => {
      s.chunks.push(newChunk(s.attempt, index, offset, items));
      offset += items;
    });
    s.planned = true;
    s.pollDelayMs = input.timing.pollInitialMs;
  }

  async function submitPlanned(): Promise<void> {
    setPhase('submitting');
    for (const chunk of currentChunks(s)) {
      // Either cancel stops further submissions (a Temporal cancel arrives only as this scope's state here).
      if (chunk.state !== 'planned' || s.cancelRequested || CancellationScope.current().consideredCancelled) continue;
      // Never abandoned half-way: a batch created during a cancellation must be recorded so it can be cancelled.
      const res = await CancellationScope.nonCancellable(() => acts.submitChunk(ref, address(chunk)));
      chunk.batchId = res.batchId;
      chunk.state = 'validating';
      setPhase('submitting');
    }
  }

  /** Polls every open batch once, and fetches the results of those that ended. */
  async function pollAndFetch(): Promise<void> {
    const open = s.chunks.filter((c) => c.batchId && !c.fetched);
    if (open.length === 0) return;
    const statuses = await acts.pollBatches(input.provider, open.map((c) => c.batchId!));
    for (const [i, chunk] of open.entries()) {
      await record(chunk, statuses[i]);
    }
    setPhase(s.phase);
  }

  async function record(chunk: ChunkState, status: ProviderBatchStatus): Promise<void> {
    chunk.state = status.state;
    chunk.providerStatus = status.providerStatus;
    if (!isTerminalBatchState(status.state)) return;
    const previous = s.phase;
    setPhase(s.cancelRequested ? 'cancelling' : 'fetching');
    const result = await acts.fetchResults(ref, {
      chunk: address(chunk),
      batchId: chunk.batchId,
      batchState: status.state,
      batchError: status.error,
    });
    applyChunkResult(s, chunk, result);
    setPhase(previous);
  }

  /**
   * Cancel open batches, wait until each has ended (at most `cancelGraceMs`), keep their finished
   * items; never-submitted chunks end cancelled. Never continues as new: under Temporal's own
   * cancellation the new run would not know it was cancelled.
   */
  async function windDown(): Promise<void> {
    setPhase('cancelling');
    retreatFromUnsubmittedAttempt(s);
    const open = () => s.chunks.filter((c) => c.batchId && !c.fetched);
    if (!s.cancelSent && open().length) {
      await acts.cancelBatches(input.provider, open().map((c) => c.batchId!));
    }
    s.cancelSent = true;
    s.pollDelayMs = input.timing.pollInitialMs;
    const graceMs = input.timing.cancelGraceMs ?? DEFAULT_TIMING.cancelGraceMs;
    const deadline = Date.now() + graceMs;
    while (open().length) {
      await pollAndFetch();
      if (!open().length) break;
      if (Date.now() >= deadline) {
        // The provider has not finished cancelling: its results stay unread, every item still gets an outcome.
        for (const chunk of open()) {
          const batchError = `provider batch ${chunk.batchId} had not finished cancelling after ${Math.round(graceMs / 1000)} s`;
          const result = await acts.fetchResults(ref, { chunk: address(chunk), batchState: 'cancelled', batchError });
          applyChunkResult(s, chunk, result);
        }
        break;
      }
      await sleep(s.pollDelayMs);
      s.pollDelayMs = Math.min(input.timing.pollMaxMs, Math.round(s.pollDelayMs * input.timing.pollFactor));
    }
    // Cancelled before the first attempt was planned: plan it, so every item ends `cancelled` below.
    if (s.chunks.length === 0) await planAttempt();
    for (const chunk of s.chunks.filter((c) => c.state === 'planned')) {
      const result = await acts.fetchResults(ref, { chunk: address(chunk), batchState: 'unsubmitted' });
      chunk.state = 'cancelled';
      applyChunkResult(s, chunk, result);
    }
    setPhase('cancelled');
  }

  async function continueAsNewIfSuggested(): Promise<void> {
    if (!workflowInfo().continueAsNewSuggested) return;
    await condition(allHandlersFinished);
    // The next run gets the reference, not the inline list (if the job had one).
    const next: JobInput = s.source ? { ...input, requests: undefined, source: s.source } : input;
    await continueAsNew<typeof batchJobWorkflow>(next, s);
  }

  function summary(): JobSummary {
    if (s.phase !== 'completed' && s.phase !== 'cancelled') {
      throw ApplicationFailure.nonRetryable(`job ended in unexpected phase ${s.phase}`);
    }
    return { ...statusOf(input, s), phase: s.phase, errorsByType: finalErrorsByType(s) };
  }
}

/** Marks jobs that get the inline-size check (jobs recorded before it replay without it). */
const INLINE_CAP_PATCH = 'inline-request-cap';

/** Inline requests are for small jobs started by other means; a big list belongs in the store, passed by reference. */
function refuseLargeInlineRequests(input: JobInput): void {
  if (input.source || !input.requests) return;
  const bytes = utf8Length(JSON.stringify(input.requests));
  if (bytes > MAX_INLINE_REQUEST_BYTES) {
    throw ApplicationFailure.nonRetryable(
      `the workflow input carries ${bytes} bytes of requests inline; at most ${MAX_INLINE_REQUEST_BYTES} may travel that way: ` +
        'start the job with durabatch start (or Durabatch.start), which writes the requests to the job store and passes a reference',
      'InvalidJob',
    );
  }
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i += 1;
    } else bytes += 3;
  }
  return bytes;
}

function newChunk(attempt: number, index: number, offset: number, items: number): ChunkState {
  return {
    attempt,
    index,
    offset,
    items,
    state: 'planned',
    fetched: false,
    succeeded: 0,
    failed: 0,
    retryable: 0,
    finalErrors: {},
    retryableErrors: {},
  };
}

function address(chunk: ChunkState) {
  return { attempt: chunk.attempt, index: chunk.index, offset: chunk.offset, size: chunk.items };
}

export type { JobRef };
