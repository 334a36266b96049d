/**
 * Bundles the workflow code once, in its own process, into the file given as the first argument:
 * what `npm run build` ships as dist/workflow-bundle.js. Benchmark workers load it, as an installed
 * package's worker does, so their memory figures are a worker's, not webpack's.
 */
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker';

bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') }).then(
  ({ code }) => writeFileSync(process.argv[2]!, code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
