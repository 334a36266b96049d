import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { costOfUsage, loadPrices, UNKNOWN_COST, type PriceTable, type UsdEstimate } from '../cost';
import { SUMMARY_MEMO, type JobStatus, type JobSummary } from '../job';
import type { JobStore, StoreIdentity, StoredOutcome } from '../store';
import type { BatchOutcome } from '../types';
import { cancelSignal, statusQuery } from '../../workflows/messages';
import { JobFailedError, rootFailure, StoreMismatchError } from './errors';
import { hasWorkflowPoller, statusWithoutWorker, stepTroubles } from './job-status';

/** Memo key under which `start` records the job's store (kept here so the handle needs no client import). */
export const STORE_MEMO = 'durabatchStore';

export interface ResultsOptions {
  /** Only successes, or only failures. */
  only?: 'ok' | 'errors';
}

/**
 * A job's status with what its usage so far costs at the model's batch price (client-side: the
 * workflow reports tokens only). `'unknown'` when the model has no price, or when the status did not
 * come from the job itself (no worker answered, so its usage is not known).
 */
export type JobStatusWithCost = JobStatus & { estimatedCostUsd: UsdEstimate };

/** A running or finished job. Every method is safe to call from any process, any time. */
export class BatchJobHandle<T> {
  constructor(
    readonly jobId: string,
    private readonly workflow: WorkflowHandle,
    private readonly openStore: () => Promise<JobStore>,
    /** The prices status costs are computed with (Durabatch passes its own; default: built-in table + DURABATCH_PRICES). */
    private readonly prices: () => Promise<PriceTable> = () => loadPrices(),
  ) {}

  /**
   * Phase, counts, provider batch IDs and states, attempts, usage, and the steps retrying after a
   * failure (what failed, which try, when the next is due). A running job answers through a worker;
   * with no worker polling its task queue, Temporal itself answers (phase, provider, size) and says
   * so, at once; a finished job needs none (its summary is its result). `estimatedCostUsd` prices
   * the usage so far.
   */
  async status(): Promise<JobStatusWithCost> {
    const status = await this.jobStatus();
    return { ...status, estimatedCostUsd: await this.costOf(status) };
  }

  private async costOf(status: JobStatus): Promise<UsdEstimate> {
    if (status.note || !status.usage) return UNKNOWN_COST;
    return costOfUsage(status.usage, status.provider, status.model, await this.prices());
  }

  private async jobStatus(): Promise<JobStatus> {
    const description = await this.workflow.describe();
    if (description.status.name === 'COMPLETED') return this.result();
    const cancelled = description.status.name === 'CANCELLED' ? (description.memo?.[SUMMARY_MEMO] as JobSummary | undefined) : undefined;
    if (cancelled) return cancelled;
    if (description.status.name !== 'RUNNING') return this.query();
    if (!(await hasWorkflowPoller(this.workflow.client, description.taskQueue))) return statusWithoutWorker(this.jobId, description);
    const status = await this.query();
    const troubles = stepTroubles(description);
    return troubles.length ? { ...status, troubles } : status;
  }

  private async query(): Promise<JobStatus> {
    try {
      return await this.workflow.query(statusQuery);
    } catch (err) {
      const { status } = await this.workflow.describe();
      if (status.name === 'COMPLETED') return this.result();
      if (status.name === 'RUNNING') {
        throw new Error(
          `job ${this.jobId} is running but no worker answered its status query: is a durabatch worker running? (${(err as Error).message})`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  /** Cancels the provider batches, keeps the items that finished; the job ends `cancelled`. */
  async cancel(reason?: string): Promise<void> {
    await this.workflow.signal(cancelSignal, reason);
  }

  /** Waits for the job to end. Rejects with JobFailedError when it failed (e.g. bad input). */
  async result(): Promise<JobSummary> {
    try {
      return (await this.workflow.result()) as JobSummary;
    } catch (err) {
      if (isCancelled(err)) {
        // Cancelled runs have no result: the job leaves its summary in the memo (jobs before that: none).
        const { memo } = await this.workflow.describe();
        const summary = memo?.[SUMMARY_MEMO] as JobSummary | undefined;
        if (summary) return summary;
      }
      const root = rootFailure(err);
      throw new JobFailedError(`job ${this.jobId} failed: ${root.message}`, this.jobId, root.type, err);
    }
  }

  /**
   * Waits for the job to end, then streams one typed outcome per request, in request order, from
   * the job store (memory stays flat whatever the job's size). A job cancelled through Temporal
   * still gives what finished before the cancel. A job that failed yields what its store holds, then
   * throws JobFailedError with the reason. A client on another store than the job's throws
   * StoreMismatchError rather than yield nothing.
   */
  async *results(opts: ResultsOptions = {}): AsyncIterable<BatchOutcome<T>> {
    let failure: JobFailedError | undefined;
    try {
      await this.workflow.result();
    } catch (err) {
      if (!isCancelled(err))
        failure = await this.result().then(
          () => undefined,
          (e: JobFailedError) => e,
        );
    }
    const store = await this.checkedStore();
    for await (const o of store.readLatestOutcomes(this.jobId, opts)) yield toOutcome<T>(o);
    // A failed job's stored outcomes (paid for) are given first; then it says it failed, and why.
    if (failure) throw failure;
  }

  /** `results()` collected into an array: for jobs small enough to hold in memory. */
  async allResults(opts: ResultsOptions = {}): Promise<BatchOutcome<T>[]> {
    const all: BatchOutcome<T>[] = [];
    for await (const outcome of this.results(opts)) all.push(outcome);
    return all;
  }

  /** Where the job's results are stored. */
  async resultsLocation(): Promise<string> {
    return (await this.openStore()).describe(this.jobId);
  }

  /** This client's store, once it is known to be the job's. */
  private async checkedStore(): Promise<JobStore> {
    const store = await this.openStore();
    const { memo } = await this.workflow.describe();
    const started = memo?.[STORE_MEMO] as StoreIdentity | undefined;
    if (started && started.id !== store.identity.id) throw new StoreMismatchError(this.jobId, started, store.identity);
    return store;
  }
}

function toOutcome<T>(o: StoredOutcome): BatchOutcome<T> {
  return o.ok
    ? { customId: o.customId, ok: true, data: o.data as T, ...(o.usage && { usage: o.usage }), attempts: o.attempt }
    : { customId: o.customId, ok: false, error: o.error!, attempts: o.attempt };
}

/** A run that ended as Temporal's Cancelled (a cancel signal or a Temporal cancel): its results are readable. */
function isCancelled(err: unknown): boolean {
  return err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure;
}
