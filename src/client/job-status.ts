/**
 * What `status()` adds to the workflow's own answer, from Temporal itself: why an open step is
 * waiting (its last failure, attempt and next retry), and a status for a job no worker serves.
 */
import type { WorkflowClient, WorkflowExecutionDescription } from '@temporalio/client';
import type { JobPhase, JobStatus } from '../job';
import { ITEMS_KEY, PHASE_KEY, PROVIDER_KEY } from '../search-attributes';
import type { ProviderName } from '../types';

/** One step of the job that is retrying, as Temporal sees it. */
export interface StepTrouble {
  activity: string;
  attempt: number;
  /** The last try's failure, as the activity reported it. */
  lastFailure: string;
  /** When the next try is due (ISO time), if Temporal says. */
  nextRetryAt?: string;
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

function isoOf(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!ts?.seconds) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.round((ts.nanos ?? 0) / 1e6)).toISOString();
}

/** Steps that have failed at least once and are waiting to try again. */
export function stepTroubles(description: WorkflowExecutionDescription): StepTrouble[] {
  const pending: PendingActivity[] = description.raw.pendingActivities ?? [];
  return pending
    .filter((a) => a.lastFailure && (a.attempt ?? 1) > 1)
    .map((a) => {
      // Newer servers say when the next try is due; the field is absent from older protos' types.
      const nextRetryAt = isoOf((a as { nextAttemptScheduleTime?: Parameters<typeof isoOf>[0] }).nextAttemptScheduleTime);
      return {
        activity: a.activityType?.name ?? 'activity',
        attempt: a.attempt ?? 1,
        lastFailure: innermost(a.lastFailure!),
        ...(nextRetryAt && { nextRetryAt }),
      };
    });
}

function innermost(failure: { message?: string | null; cause?: unknown }): string {
  let f = failure;
  while (f.cause) f = f.cause as typeof f;
  return f.message ?? 'unknown failure';
}

/** Whether any worker polls the job's task queue for workflow tasks. */
export async function hasWorkflowPoller(client: Pick<WorkflowClient, 'workflowService' | 'options'>, taskQueue: string): Promise<boolean> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
  });
  return (res.pollers ?? []).length > 0;
}

/**
 * A running job's status when no worker can answer its query: what Temporal's visibility holds (phase,
 * provider, size), and why there is nothing more.
 */
export function statusWithoutWorker(jobId: string, description: WorkflowExecutionDescription): JobStatus {
  return statusFromDescription(
    jobId,
    description,
    `no worker is polling task queue ${description.taskQueue}: the job waits for one (start one with: durabatch worker --task-queue ${description.taskQueue})`,
  );
}

/**
 * What Temporal itself knows of a job (search attributes and memo), for when the job cannot say:
 * no worker, or a job that failed (a query would need a worker to replay it). `phase` overrides
 * the recorded one (a terminated job never recorded that it ended).
 */
export function statusFromDescription(
  jobId: string,
  description: WorkflowExecutionDescription,
  note?: string,
  phase?: JobPhase,
): JobStatus {
  const attrs = description.typedSearchAttributes;
  const total = attrs.get(ITEMS_KEY) ?? 0;
  return {
    jobId,
    provider: (attrs.get(PROVIDER_KEY) ?? 'openai') as ProviderName,
    model: String(description.memo?.durabatchModel ?? ''),
    phase: phase ?? ((attrs.get(PHASE_KEY) ?? 'validating') as JobPhase),
    attempt: 0,
    maxAttempts: 0,
    counts: { total, succeeded: 0, failed: 0, pending: total },
    usage: { inputTokens: 0, outputTokens: 0 },
    chunks: [],
    cancelRequested: false,
    ...(note && { note }),
  };
}
