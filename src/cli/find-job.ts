/**
 * Looking a job up before acting on it, so every command can tell "no such job" (exit 4) from
 * "the job failed" (exit 1) and from "it already ended" — the SDK would otherwise answer a
 * missing job with an error that reads like a failure.
 */
import { WorkflowNotFoundError, type WorkflowClient, type WorkflowExecutionDescription } from '@temporalio/client';
import type { BatchJobHandle, Durabatch } from '../client';
import { rootFailure } from '../client/errors';
import { hasWorkflowPoller, statusFromDescription } from '../client/job-status';
import { SUMMARY_MEMO, type JobStatus } from '../job';
import { PHASE_KEY } from '../search-attributes';
import { CliError, EXIT } from './exit-codes';

export type Ending = 'completed' | 'cancelled' | 'failed' | 'terminated' | 'timed out';

export interface FoundJob {
  jobId: string;
  handle: BatchJobHandle<unknown>;
  workflows: WorkflowClient;
  description: WorkflowExecutionDescription;
  /** How it ended; undefined while it runs. */
  ended?: Ending;
}

export const JOB_WORKFLOW_TYPE = 'batchJobWorkflow';

function endingOf(description: WorkflowExecutionDescription): Ending | undefined {
  switch (description.status.name) {
    case 'RUNNING':
    case 'CONTINUED_AS_NEW':
      return undefined;
    case 'COMPLETED':
      // The workflow returns normally for both; the phase it recorded tells them apart.
      return description.typedSearchAttributes.get(PHASE_KEY) === 'cancelled' ? 'cancelled' : 'completed';
    default:
      return closedBy(description.status.name);
  }
}

/** How a run that Temporal closed (rather than one that returned) ended, in the CLI's words. */
export function closedBy(status: string): Exclude<Ending, 'completed'> {
  switch (status) {
    case 'CANCELLED':
      return 'cancelled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timed out';
    default:
      return 'failed';
  }
}

export async function findJob(durabatch: Durabatch, jobId: string): Promise<FoundJob> {
  let description: WorkflowExecutionDescription;
  try {
    description = await durabatch.client.workflow.getHandle(jobId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw new CliError(
        EXIT.NOT_FOUND,
        `no job ${jobId} in Temporal namespace "${durabatch.client.options.namespace}" (\`durabatch list\` shows recent jobs)`,
      );
    }
    throw err;
  }
  if (description.type !== JOB_WORKFLOW_TYPE) {
    throw new CliError(EXIT.NOT_FOUND, `no job ${jobId}: that workflow is a ${description.type}, not a durabatch job`);
  }
  return { jobId, handle: durabatch.getJob(jobId), workflows: durabatch.client.workflow, description, ended: endingOf(description) };
}

/** True for endings a script should treat as failure. */
export function endedBadly(ended: Ending | undefined): boolean {
  return ended === 'failed' || ended === 'terminated' || ended === 'timed out';
}

/** Why a job that ended badly did: the root cause's message. */
export async function failureOf(job: FoundJob): Promise<string> {
  if (job.ended === 'terminated') return `job ${job.jobId} was terminated through Temporal`;
  try {
    await job.handle.result();
    return `job ${job.jobId} ended ${job.ended}`;
  } catch (err) {
    return (err as Error).message || rootFailure(err).message;
  }
}

/**
 * The job's status, whatever state it is in. One that ended through Temporal rather than on its
 * own (failed, terminated, cancelled from the UI) is asked through a worker when one polls (it
 * replays the job to answer), else described from Temporal's records.
 */
export async function statusOf(job: FoundJob): Promise<JobStatus> {
  const { name } = job.description.status;
  // A job cancelled by signal (or one cancelled through Temporal since) left its summary in the memo.
  const summarised = name === 'CANCELLED' && job.description.memo?.[SUMMARY_MEMO] !== undefined;
  if (name === 'RUNNING' || name === 'COMPLETED' || summarised) return job.handle.status();
  const fromRecords = () =>
    statusFromDescription(job.jobId, job.description, undefined, job.ended === 'cancelled' ? 'cancelled' : 'failed');
  if (!(await hasWorkflowPoller(job.workflows, job.description.taskQueue).catch(() => false))) return fromRecords();
  return job.handle.status().catch(fromRecords);
}
