import { join } from 'node:path';
import { durabatchHome } from '../config';
import { FileJobStore } from './file-store';
import { PgJobStore } from './pg-store';
import type { JobStore } from './types';

export { FileJobStore } from './file-store';
export { PgJobStore } from './pg-store';
export { RequestDigest } from './request-digest';
export type {
  ItemSpan,
  JobMeta,
  JobStore,
  OutcomeWriter,
  RequestSetInfo,
  RequestWriter,
  StoreIdentity,
  StoredOutcome,
  StoredRequest,
} from './types';
export { JOB_ID } from './types';

/** The store URL in effect: `DURABATCH_STORE`, else the embedded default `<DURABATCH_HOME>/store`. */
export function defaultStoreUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DURABATCH_STORE?.trim() || join(durabatchHome(), 'store');
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Opens the store a URL names: `postgres://...` (PostgreSQL: the store for more than one host), or a
 * directory path (the embedded default). The same URL must be given to client, workers and CLI.
 */
export async function openStore(url: string = defaultStoreUrl()): Promise<JobStore> {
  return isPostgresUrl(url) ? PgJobStore.open(url) : FileJobStore.open(url);
}
