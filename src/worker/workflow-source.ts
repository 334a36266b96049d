import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerOptions } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../../workflows');

/** Written by `npm run build` from the compiled workflows beside it (scripts/build.ts). */
export const PREBUILT_BUNDLE = join(__dirname, '..', '..', 'workflow-bundle.js');

/**
 * Where the worker gets its workflow code: a bundle the caller built, else the package's prebuilt
 * bundle when running compiled (the installed package: no webpack at start, no bundler memory),
 * else the sources, bundled at start (a checkout running under tsx, where a dist/ bundle could be
 * stale against the sources being edited).
 */
export function workflowSource(given?: WorkerOptions['workflowBundle']): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (given) return { workflowBundle: given };
  if (__filename.endsWith('.js') && existsSync(PREBUILT_BUNDLE)) return { workflowBundle: { codePath: PREBUILT_BUNDLE } };
  return { workflowsPath: WORKFLOWS_PATH };
}
