/**
 * `npm run build`: compiles the package to dist/ (JavaScript + declarations), then bundles the
 * compiled workflow code once into dist/workflow-bundle.js. A worker running from dist/ loads
 * that bundle instead of running webpack at start: it polls within a second or two of starting
 * and keeps the bundler's few hundred MB out of its memory.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

const root = join(__dirname, '..');
const dist = join(root, 'dist');

async function main(): Promise<void> {
  rmSync(dist, { recursive: true, force: true });
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('tsc failed');
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(dist, 'workflows', 'index.js'),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(join(dist, 'workflow-bundle.js'), code);
  console.log(`built dist/ (workflow bundle ${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
