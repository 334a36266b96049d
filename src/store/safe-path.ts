import { resolve, sep } from 'node:path';
import { JOB_ID } from './types';

/**
 * The directory of one job under `root`. Job IDs are checked again here, and the resolved path must
 * stay strictly inside `root`: no job ID (`.`, `..`, `a/../..`) may ever name the root itself or
 * anything outside it, since the store removes job directories.
 */
export function jobPath(root: string, jobId: string, ...parts: string[]): string {
  if (!JOB_ID.test(jobId))
    throw new Error(`job ID ${JSON.stringify(jobId)} is not valid: it must start with a letter or digit (A-Z a-z 0-9 . _ -)`);
  const base = resolve(root);
  const path = resolve(base, jobId, ...parts);
  if (!path.startsWith(base + sep)) throw new Error(`job ID ${JSON.stringify(jobId)} leads outside the store (${base})`);
  return path;
}
