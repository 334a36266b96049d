import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { JobStatus, JobSummary } from '../job';
import { latestOutcomes, type ResultStore } from '../store';
import type { BatchOutcome } from '../types';
import { cancelSignal, statusQuery } from '../../workflows/messages';
import { JobFailedError, rootFailure } from './errors';

/** A running or finished job. Every method is safe to call from any process, any time. */
export class BatchJobHandle<T> {
  constructor(
    readonly jobId: string,
    private readonly workflow: WorkflowHandle,
    private readonly store: ResultStore,
  ) {}

  /**
   * Phase, counts, provider batch IDs and states, attempts, usage. A running job answers through
   * a worker; a finished one needs none (its summary is its result).
   */
  async status(): Promise<JobStatus> {
    try {
      return await this.workflow.query(statusQuery);
    } catch (err) {
      const { status } = await this.workflow.describe();
      if (status.name === 'COMPLETED') return this.result();
      if (status.name === 'RUNNING') {
        throw new Error(`job ${this.jobId} is running but no worker answered its status query: is a durabatch worker running? (${(err as Error).message})`);
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
      const root = rootFailure(err);
      throw new JobFailedError(`job ${this.jobId} failed: ${root.message}`, this.jobId, root.type, err);
    }
  }

  /**
   * Waits for the job to end, then returns one typed outcome per request, in request order.
   * A job cancelled through Temporal still gives what finished before the cancel.
   */
  async results(): Promise<BatchOutcome<T>[]> {
    try {
      await this.workflow.result();
    } catch (err) {
      if (!(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure)) await this.result();
    }
    const latest = await latestOutcomes(this.store, this.jobId);
    return [...latest.values()].map((o) =>
      o.ok
        ? { customId: o.customId, ok: true, data: o.data as T, ...(o.usage && { usage: o.usage }), attempts: o.attempt }
        : { customId: o.customId, ok: false, error: o.error!, attempts: o.attempt },
    );
  }

  /** Where the job's results are stored. */
  resultsLocation(): string {
    return this.store.describe(this.jobId);
  }
}
