import { resolve } from 'node:path';

/** Defaults shared by the client, the worker and the CLI; each can be overridden by an option. */
export const DEFAULT_TASK_QUEUE = 'durabatch';

export function temporalAddress(): string {
  return process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
}

export function temporalNamespace(): string {
  return process.env.TEMPORAL_NAMESPACE ?? 'default';
}

/** durabatch's data directory: the dev server's database and the default job store (`store/`). */
export function durabatchHome(): string {
  return resolve(process.env.DURABATCH_HOME ?? '.durabatch');
}
