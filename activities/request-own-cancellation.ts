import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityDeps } from './deps';

/**
 * Asks Temporal to cancel the calling job. A job cancelled by its `cancel` signal has wound down
 * by then; Temporal records a run as Cancelled (what the Web UI and visibility show) only when
 * cancellation was requested through its API, and a workflow may not request its own: this
 * activity does, on the worker's connection.
 */
export function createRequestOwnCancellation(deps: ActivityDeps) {
  return async function requestOwnCancellation(reason: string): Promise<void> {
    if (!deps.temporal)
      throw ApplicationFailure.nonRetryable('this worker has no Temporal connection for activities', 'NoTemporalConnection');
    const { workflowExecution, workflowNamespace } = Context.current().info;
    if (!workflowExecution) throw ApplicationFailure.nonRetryable('not called by a workflow', 'NoWorkflow');
    await deps.temporal.workflowService.requestCancelWorkflowExecution({
      namespace: workflowNamespace,
      workflowExecution,
      identity: 'durabatch worker',
      // One request per run, however often this activity is retried.
      requestId: uuidFrom(`${workflowExecution.workflowId}/${workflowExecution.runId}`),
      reason,
    });
  };
}

/** A stable UUID-shaped ID for a text (the server dedupes requests by ID). */
function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
