import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';

/** A job that ended in failure (bad input, a rejected key...): the message is the root cause's. */
export class JobFailedError extends Error {
  override name = 'JobFailedError';
  constructor(
    message: string,
    readonly jobId: string,
    readonly type?: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

/** A job ID that already names a different job (running, or finished and still remembered by Temporal). */
export class JobIdInUseError extends Error {
  override name = 'JobIdInUseError';
  constructor(
    message: string,
    readonly jobId: string,
  ) {
    super(message);
  }
}

/** Digs the innermost failure out of Temporal's wrapping (workflow -> activity -> application). */
export function rootFailure(err: unknown): { message: string; type?: string } {
  let current: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  while (current instanceof TemporalFailure && current.cause) current = current.cause;
  if (current instanceof ApplicationFailure) return { message: current.message, type: current.type ?? undefined };
  return { message: current instanceof Error ? current.message : String(current) };
}
