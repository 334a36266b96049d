import {
  ActivityCancellationType,
  ActivityFailure,
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
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { RetryState } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  DEFAULT_TIMING,
  chunkTag,
  jobRef,
  jobSize,
  MAX_INLINE_REQUEST_BYTES,
  NON_RETRYABLE_TYPES,
  type ChunkState,
  type JobInput,
  type JobPhase,
  type JobRef,
  type JobSummary,
  SUMMARY_MEMO,
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
  // Every step heartbeats, so a dead worker is noticed within heartbeatTimeoutMs whatever it was doing;
  // and every step gives up in the end: the retry deadline bounds all its tries together.
  const heartbeatTimeout = input.timing.heartbeatTimeoutMs;
  const scheduleToCloseTimeout = input.timing.retryDeadlineMs ?? DEFAULT_TIMING.retryDeadlineMs;
  const bounded = { heartbeatTimeout, scheduleToCloseTimeout, retry };
  const quick = proxyActivities<Activities>({ ...bounded, startToCloseTimeout: '2m' });
  // A cancelled submit is waited for until it has stopped: whatever batch it made is then findable by its tag.
  const long = proxyActivities<Activities>({
    ...bounded,
    startToCloseTimeout: '1h',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  // Clean-up after a failure must not keep a failed job open forever: a few tries, then give up.
  const lastTry = proxyActivities<Activities>({ ...bounded, startToCloseTimeout: '2m', retry: { ...retry, maximumAttempts: 5 } });
  return {
    cancelBatchesOfFailedJob: lastTry.cancelBatches,
    accountForFailedJob: lastTry.fetchResults,
    validateJob: quick.validateJob,
    planAttempt: long.planAttempt,
    pollBatches: quick.pollBatches,
    cancelBatches: quick.cancelBatches,
    abandonSubmission: quick.abandonSubmission,
    requestOwnCancellation: quick.requestOwnCancellation,
    submitChunk: long.submitChunk,
    fetchResults: long.fetchResults,
  };
}

/** True when an activity failed because its retries ran out (deadline or attempts), not because of what it was asked. */
function retriesRanOut(err: unknown): err is ActivityFailure {
  return (
    err instanceof ActivityFailure && (err.retryState === RetryState.TIMEOUT || err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED)
  );
}

/** The innermost message of a failure, for the outcomes and logs that explain it. */
function rootMessage(err: unknown): string {
  let current = err as { message?: string; cause?: unknown } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  return current?.message ?? String(err);
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
    if (s.phase === 'cancelled' && patched(CANCELLED_STATUS_PATCH)) await endAsCancelled();
    return summary();
  } catch (err) {
    if (isCancellation(err)) {
      // Temporal's own cancellation: same clean-up as the signal, then end as Cancelled.
      s.cancelRequested = true;
      // A job that asked for its own cancellation (endAsCancelled) has wound down already.
      if (s.phase !== 'cancelled') await CancellationScope.nonCancellable(windDown);
      if (patched(CANCELLED_STATUS_PATCH)) upsertMemo({ [SUMMARY_MEMO]: summary() });
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
    // Every planned item gets an outcome that says why, so the failed job's results are complete.
    if (patched(ACCOUNT_ON_FAILURE_PATCH)) {
      await CancellationScope.nonCancellable(async () => {
        for (const chunk of s.chunks.filter((c) => !c.fetched)) {
          const batchError = `the job failed before this request's batch ended: ${rootMessage(err)}`;
          const result = await acts.accountForFailedJob(ref, { chunk: address(chunk), batchState: 'job_failed', batchError });
          applyChunkResult(s, chunk, result);
        }
      }).catch((accountErr) => log.warn('could not record outcomes for the items of a failed job', { error: String(accountErr) }));
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
      s.chunks.push({
        ...newChunk(s.attempt, index, offset, items),
        tag: chunkTag({ jobId: input.jobId, runId: firstRunId }, s.attempt, index),
      });
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
      if (patched(CANCELLABLE_SUBMIT_PATCH)) {
        await submitCancellably(chunk);
      } else {
        // Jobs recorded before submits could be cancelled: never abandoned half-way.
        const res = await CancellationScope.nonCancellable(() => acts.submitChunk(ref, address(chunk)));
        chunk.batchId = res.batchId;
        chunk.state = 'validating';
      }
      setPhase('submitting');
    }
  }

  /**
   * A submit that a cancel (signal or Temporal) can stop, however long it has been retrying. A
   * stopped submit may have created its batch: the chunk is marked, and winding down looks for that
   * batch by its tag and cancels it. A submit whose retries run out ends its items as provider errors.
   */
  async function submitCancellably(chunk: ChunkState): Promise<void> {
    chunk.submitStartedMs = Date.now();
    const scope = new CancellationScope();
    let settled = false;
    // The cancel signal stops the submit; a Temporal cancel reaches it through the scope itself (and rejects this wait).
    void condition(() => s.cancelRequested || settled).then(
      () => {
        if (!settled) scope.cancel();
      },
      () => undefined,
    );
    try {
      const res = await scope.run(() => acts.submitChunk(ref, address(chunk)));
      chunk.batchId = res.batchId;
      if (res.proof) chunk.proof = res.proof;
      chunk.state = 'validating';
    } catch (err) {
      if (isCancellation(err)) {
        chunk.abandoned = true;
        // A Temporal cancel goes on to the job's own clean-up; the signal's is run() winding down.
        if (CancellationScope.current().consideredCancelled) throw err;
        return;
      }
      if (!retriesRanOut(err)) throw err;
      log.warn('a provider batch could not be created; its items end as provider errors', { chunk: chunk.index, error: rootMessage(err) });
      const batchError = `the provider batch could not be created: ${rootMessage(err)}`;
      const result = await acts.fetchResults(ref, { chunk: address(chunk), batchState: 'submit_failed', batchError });
      chunk.state = 'failed';
      applyChunkResult(s, chunk, result);
    } finally {
      settled = true;
    }
  }

  /** Ends chunks whose provider could not be reached within the retry deadline: their batches may run on, unread. */
  async function giveUp(chunks: ChunkState[], why: string): Promise<void> {
    const batches = chunks.map((c) => c.batchId).filter((id): id is string => id !== undefined);
    if (batches.length) {
      await acts
        .cancelBatchesOfFailedJob(input.provider, batches)
        .catch((err) => log.warn('could not cancel provider batches given up on', { batches, error: String(err) }));
    }
    for (const chunk of chunks) {
      const batchError = `${why}${chunk.batchId ? ` (provider batch ${chunk.batchId})` : ''}`;
      const result = await acts.fetchResults(ref, { chunk: address(chunk), batchState: 'unreachable', batchError });
      applyChunkResult(s, chunk, result);
    }
  }

  /** Polls every open batch once, and fetches the results of those that ended. */
  async function pollAndFetch(): Promise<void> {
    const open = s.chunks.filter((c) => c.batchId && !c.fetched);
    if (open.length === 0) return;
    let statuses: ProviderBatchStatus[];
    try {
      statuses = await acts.pollBatches(
        input.provider,
        open.map((c) => c.batchId!),
      );
    } catch (err) {
      if (!retriesRanOut(err)) throw err;
      return giveUp(open, `the provider did not answer polls within the retry deadline: ${rootMessage(err)}`);
    }
    for (const [i, chunk] of open.entries()) {
      await record(chunk, statuses[i]!);
    }
    setPhase(s.phase);
  }

  async function record(chunk: ChunkState, status: ProviderBatchStatus): Promise<void> {
    chunk.state = status.state;
    chunk.providerStatus = status.providerStatus;
    chunk.providerCounts = status.counts;
    if (!isTerminalBatchState(status.state)) return;
    const previous = s.phase;
    setPhase(s.cancelRequested ? 'cancelling' : 'fetching');
    try {
      const result = await acts.fetchResults(ref, {
        chunk: address(chunk),
        batchId: chunk.batchId,
        batchState: status.state,
        batchError: status.error,
      });
      applyChunkResult(s, chunk, result);
    } catch (err) {
      if (!retriesRanOut(err)) throw err;
      await giveUp([chunk], `the results could not be read within the retry deadline: ${rootMessage(err)}`);
    }
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
    // A submit stopped by the cancel may have created its batch: found by its tag, it is cancelled like the rest.
    for (const chunk of s.chunks.filter((c) => c.abandoned && !c.batchId)) {
      const found = await acts.abandonSubmission(ref, { ...address(chunk), firstTryAtMs: chunk.submitStartedMs ?? Date.now() });
      chunk.abandoned = false;
      if (found) {
        chunk.batchId = found;
        chunk.state = 'cancelling';
      }
    }
    const open = () => s.chunks.filter((c) => c.batchId && !c.fetched);
    if (!s.cancelSent && open().length) {
      await acts.cancelBatches(
        input.provider,
        open().map((c) => c.batchId!),
      );
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

  /**
   * A job cancelled by signal has wound down; it now asks Temporal to cancel it, so that it ends as
   * Cancelled (what the Web UI, `temporal workflow list` and visibility queries show) rather than
   * Completed. Temporal records a run as Cancelled only when cancellation was requested through its
   * API (a workflow may not request its own, so an activity does): the request arrives as the root
   * scope's cancellation, which the wait below turns into the throw that ends the run. A cancelled
   * run has no result, so its summary goes into the memo for `result()` to read.
   */
  async function endAsCancelled(): Promise<void> {
    upsertMemo({ [SUMMARY_MEMO]: summary() });
    try {
      await acts.requestOwnCancellation("cancelled by the job's cancel signal");
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Not worth failing a cancelled job over: it ends Completed, phase cancelled, as before.
      log.warn('could not have the cancelled job marked Cancelled', { error: String(err) });
      return;
    }
    await condition(() => false);
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

/**
 * Changes to the command sequence, each behind `patched()` so jobs recorded before it replay the way
 * they ran. Never rename or remove one while such jobs may exist (see the README: changing the workflow).
 */
/** Inline request lists above MAX_INLINE_REQUEST_BYTES are refused before the first activity. */
const INLINE_CAP_PATCH = 'inline-request-cap';
/** Submits run in a cancellable scope; a stopped submit's batch is looked for (abandonSubmission); retries run out. */
const CANCELLABLE_SUBMIT_PATCH = 'cancellable-submit';
/** A failed job writes an outcome for every planned item it had not finished. */
const ACCOUNT_ON_FAILURE_PATCH = 'account-items-on-failure';
/** A job cancelled by signal ends as Temporal's Cancelled (it requests its own cancellation); its summary is in the memo. */
const CANCELLED_STATUS_PATCH = 'cancelled-as-cancelled';

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
  const { attempt, index, offset, items: size, tag, proof } = chunk;
  return { attempt, index, offset, size, ...(tag && { tag }), ...(proof && { proof }) };
}

export type { JobRef };
