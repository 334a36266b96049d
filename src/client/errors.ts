import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { DurabatchError } from '../errors';

/** A job that ended in failure (bad input, a rejected key...): the message is the root cause's. */
export class JobFailedError extends DurabatchError {
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
export class JobIdInUseError extends DurabatchError {
  override name = 'JobIdInUseError';
  constructor(
    message: string,
    readonly jobId: string,
  ) {
    super(message);
  }
}

/** A client whose job store is not the one the job was started with: it would read nothing, or the wrong data. */
export class StoreMismatchError extends DurabatchError {
  override name = 'StoreMismatchError';
  constructor(
    readonly jobId: string,
    readonly jobStore: { id: string; url: string },
    readonly clientStore: { id: string; url: string },
  ) {
    super(
      `job ${jobId} was started with the job store ${jobStore.url}, but this client uses ${clientStore.url}: ` +
        `pass --store ${jobStore.url} (or set DURABATCH_STORE=${jobStore.url})`,
    );
  }
}

/** Digs the innermost failure out of Temporal's wrapping (workflow -> activity -> application). */
export function rootFailure(err: unknown): { message: string; type?: string } {
  let current: unknown = err instanceof WorkflowFailedError ? err.cause : err;
  while (current instanceof TemporalFailure && current.cause) current = current.cause;
  if (current instanceof ApplicationFailure) return { message: current.message, type: current.type ?? undefined };
  return { message: current instanceof Error ? current.message : String(current) };
}
