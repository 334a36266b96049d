import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { JobStatus } from '../src/job';

/** Cancel the job: cancel open provider batches, keep what finished, end `cancelled`. */
export const cancelSignal = defineSignal<[reason?: string]>('cancel');
/** Phase, counts, chunks with provider batch IDs and states, attempts, usage. */
export const statusQuery = defineQuery<JobStatus>('status');
