/**
 * `npm test`: type-check, make sure the `temporal` CLI exists (building it on a fresh machine,
 * before any test could time out waiting), then unit tests, then integration tests. Each
 * integration file starts its own dev server, emulator and worker.
 *   npm test                     everything
 *   npm test -- unit|integration one part
 *   npm test -- test/x.test.ts   given files
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findTemporalCli } from '../src/devserver';

const root = join(__dirname, '..');
const started = Date.now();

function files(dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => join(dir, f));
}

function run(label: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): boolean {
  console.log(`\n── ${label}`);
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return res.status === 0;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const parts = args.length === 0 ? ['unit', 'integration'] : args;
  const groups: Array<[string, string[], number]> = [];
  const explicit = parts.filter((p) => p.endsWith('.ts'));
  if (parts.includes('unit')) groups.push(['unit tests', files('test/unit'), 2]);
  if (parts.includes('integration')) groups.push(['integration tests', files('test/integration'), 1]);
  if (explicit.length) groups.push(['selected tests', explicit, 1]);

  if (!run('type check', process.execPath, [require.resolve('typescript/bin/tsc'), '--noEmit'])) return 1;
  const temporalCli = await findTemporalCli({ log: (line) => console.log(line) });
  console.log(`temporal CLI: ${temporalCli}`);

  const env = { ...process.env, TEMPORAL_CLI: temporalCli };
  const failed: string[] = [];
  for (const [label, list, concurrency] of groups) {
    const ok = run(
      label,
      process.execPath,
      // A test (or suite) that hangs fails after 10 minutes instead of holding CI until its own deadline.
      [
        '--import',
        'tsx',
        '--test',
        '--test-force-exit',
        '--test-timeout=600000',
        `--test-concurrency=${concurrency}`,
        '--test-reporter=spec',
        ...list,
      ],
      env,
    );
    if (!ok) failed.push(label);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(`\n${failed.length ? `FAILED: ${failed.join(', ')}` : 'all tests passed'} (${seconds} s)`);
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
