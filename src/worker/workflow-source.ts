import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkerOptions } from '@temporalio/worker';

export const WORKFLOWS_PATH = require.resolve('../../workflows');

/** Written by `npm run build` from the compiled workflows beside it (scripts/build.ts). */
export const PREBUILT_BUNDLE = join(__dirname, '..', '..', 'workflow-bundle.js');

/**
 * The worker's workflow code: a bundle the caller built, else the package's prebuilt bundle when
 * running compiled (the installed package: no webpack at start, no bundler memory), else the
 * sources, bundled here at start (a checkout running under tsx, where a dist/ bundle could be stale
 * against the sources being edited). Bundled here rather than by Worker.create, whose bundler logs
 * webpack's ~20-line report at INFO on every start; warnings and errors still show.
 */
export async function workflowSource(given?: WorkerOptions['workflowBundle']): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  if (given) return { workflowBundle: given };
  if (__filename.endsWith('.js') && existsSync(PREBUILT_BUNDLE)) return { workflowBundle: { codePath: PREBUILT_BUNDLE } };
  return { workflowBundle: await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }) };
}
