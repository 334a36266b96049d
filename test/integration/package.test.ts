/**
 * The package as a user gets it: `npm pack`, installed into an empty project, then a job run
 * through it with plain `node` (an ES module importing `durabatch`) on a worker started by the
 * installed `durabatch` bin, and the types checked under `moduleResolution: nodenext`. No tsx and
 * no source file of this repository is involved past the tarball.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startTestEnv, type TestEnv } from '../helpers/test-env';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const SCHEMAS = `import { z } from 'zod';
export const User = z.object({ name: z.string(), age: z.number().int(), email: z.string() });
export const schemas = { User };
`;

const JOB = `import { createDurabatch, DurabatchError, JobIdInUseError } from 'durabatch';
import { schemas, User } from './schemas.mjs';

if (!(new JobIdInUseError('m', 'j') instanceof DurabatchError)) throw new Error('errors do not share DurabatchError');
const durabatch = await createDurabatch({ schemas, taskQueue: process.env.QUEUE });
const job = await durabatch.start({
  jobId: 'packaged-job', provider: 'openai', model: 'gpt-4o-mini', schema: User, maxTokens: 100,
  timing: { pollInitialMs: 100, pollMaxMs: 400 },
  requests: ['Ann is 31, ann@example.com', 'Bo is 42, bo@example.com'].map((t) => [{ role: 'user', content: t }]),
});
const results = await job.allResults();
console.log(JSON.stringify(results.map((r) => ({ id: r.customId, ok: r.ok, age: r.ok ? r.data.age : null }))));
await durabatch.close();
`;

const TYPED = `import { createDurabatch, type BatchOutcome, InvalidJobError } from 'durabatch';
import { startEmulator } from 'durabatch/emulator';
import { startDevServer } from 'durabatch/testing';
import { z } from 'zod';
const User = z.object({ name: z.string() });
export async function typed(): Promise<string[]> {
  const d = await createDurabatch({ schemas: { User } });
  const job = await d.start({ provider: 'anthropic', model: 'm', schema: User, requests: [] });
  const names: string[] = [];
  for await (const r of job.results()) if (r.ok) names.push(r.data.name);
  const first: BatchOutcome<{ name: string }> | undefined = (await job.allResults())[0];
  void first; void startEmulator; void startDevServer; void InvalidJobError;
  return names;
}
`;

describe('the packed package', () => {
  let env: TestEnv;
  let work: string;
  let app: string;
  let worker: ChildProcess | undefined;
  let workerLog = '';

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'durabatch-pack-'));
    app = join(work, 'app');
    // prepack builds dist/ (tsc + the prebundled workflow code) into the tarball.
    const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', work], { cwd: root, maxBuffer: 1 << 24 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
    await run('mkdir', ['-p', app]);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed!.filename)], {
      cwd: app,
      maxBuffer: 1 << 24,
    });
    await writeFile(join(app, 'schemas.mjs'), SCHEMAS);
    await writeFile(join(app, 'job.mjs'), JOB);
    env = await startTestEnv({ startWorker: false });
  });

  after(async () => {
    worker?.kill('SIGKILL');
    await env?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('ships compiled code, declarations and the prebundled workflow, and no TypeScript sources', async () => {
    const pkg = join(app, 'node_modules', 'durabatch');
    for (const file of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/workflow-bundle.js', 'bin/durabatch.js']) {
      assert.ok(existsSync(join(pkg, file)), `${file} is in the package`);
    }
    assert.equal(existsSync(join(pkg, 'src')), false, 'no sources: the bin runs dist/');
    const manifest = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.equal(manifest.dependencies.tsx, undefined, 'tsx is a development dependency only');
  });

  it('runs a job with plain node on a worker started by the installed bin', async () => {
    const queue = `pack-${Math.random().toString(36).slice(2, 8)}`;
    const store = join(work, 'store');
    const envVars = {
      ...process.env,
      TEMPORAL_ADDRESS: env.server.address,
      DURABATCH_STORE: store,
      DURABATCH_HOME: join(work, 'home'),
      QUEUE: queue,
    };
    const bin = join(app, 'node_modules', '.bin', 'durabatch');
    const started = Date.now();
    worker = spawn(bin, ['worker', '--emulator', env.emulator.url, '--schemas', './schemas.mjs', '--task-queue', queue], {
      cwd: app,
      env: envVars,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (d: Buffer) => (workerLog += d));
    worker.stderr!.on('data', (d: Buffer) => (workerLog += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (/worker on task queue/.test(workerLog)) {
          clearInterval(timer);
          resolve();
        } else if (worker!.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`worker exited: ${workerLog}`));
        }
      }, 50);
    });
    const readyMs = Date.now() - started;
    assert.doesNotMatch(workerLog, /webpack|asset workflow-bundle/i, 'the prebuilt bundle: no bundling at start');

    const { stdout } = await run(process.execPath, ['job.mjs'], { cwd: app, env: envVars, timeout: 120_000 });
    const results = JSON.parse(stdout.trim().split('\n').pop()!) as Array<{ id: string; ok: boolean; age: number | null }>;
    assert.deepEqual(results, [
      { id: 'request-0', ok: true, age: results[0]!.age },
      { id: 'request-1', ok: true, age: results[1]!.age },
    ]);
    assert.ok(
      results.every((r) => typeof r.age === 'number'),
      'typed, validated answers',
    );

    const viaBin = await run(bin, ['results', 'packaged-job'], { cwd: app, env: envVars });
    assert.equal(viaBin.stdout.trim().split('\n').length, 2, 'the installed bin reads the same store');
    console.log(`# packaged worker ready in ${readyMs} ms`);
  });

  it('type-checks under moduleResolution nodenext, with every entry resolving', async () => {
    await writeFile(join(app, 'typed.mts'), TYPED);
    await writeFile(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['typed.mts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).catch((err: { stdout: string }) => err);
    assert.equal(result.stdout, '', `tsc reports nothing: ${result.stdout}`);
  });
});
