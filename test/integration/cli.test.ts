import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FAST_FAULTS, startTestEnv, type TestEnv } from '../helpers/test-env';
import { USER_REQUESTS } from '../helpers/schemas';

const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.ts');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `durabatch <args>` in its own process, as a person would run it. */
function durabatch(env: TestEnv, home: string, args: string[], stdin = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--address', env.server.address, ...args], {
      env: { ...process.env, DURABATCH_HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const jsonl = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

/** The `durabatch` CLI against a real dev server, a worker and the emulator: start, watch, status, cancel, results. */
describe('the durabatch CLI', () => {
  let env: TestEnv;
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'durabatch-cli-'));
    // The worker writes where the CLI (DURABATCH_HOME) reads.
    env = await startTestEnv({ storeUrl: join(home, 'store') });
  });
  after(async () => {
    await env?.close();
    await rm(home, { recursive: true, force: true });
  });

  const start = (jobId: string, requests: string, extra: string[] = []) =>
    durabatch(env, home, ['start', '-r', '-', '-s', 'User', '-m', 'gpt-4o-mini', '--task-queue', env.taskQueue, '--job-id', jobId, '--poll', '100', '--poll-max', '400', ...extra], requests);

  it('starts a job from JSONL on stdin, watches it to the end, and prints status and typed results', async () => {
    env.emulator.configure(FAST_FAULTS);
    const started = await start('cli-job', jsonl(USER_REQUESTS), ['--watch']);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(started.stdout.trim().split('\n'), ['cli-job', 'completed: 3 succeeded, 0 failed']);
    assert.match(started.stderr, /completed +\|=+\| 3\/3 done/, 'the live status line, on stderr');

    const status = await durabatch(env, home, ['status', 'cli-job']);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout);
    assert.equal(parsed.phase, 'completed');
    assert.deepEqual(parsed.counts, { total: 3, succeeded: 3, failed: 0, pending: 0 });

    const results = await durabatch(env, home, ['results', 'cli-job']);
    assert.equal(results.code, 0, results.stderr);
    const outcomes = results.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(outcomes.map((o) => [o.customId, o.ok, o.data?.name]), [
      ['request-0', true, 'John Doe'],
      ['request-1', true, 'Jane Smith'],
      ['request-2', true, 'Bob Wilson'],
    ]);
    // To a file, one kind only; from a directory that is not the job's store, a clear refusal.
    const out = join(home, 'ok.jsonl');
    const toFile = await durabatch(env, home, ['results', 'cli-job', '--out', out, '--only', 'ok']);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.match(toFile.stderr, /3 outcomes written to .*ok\.jsonl/);
    assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 3);
    const errorsOnly = await durabatch(env, home, ['results', 'cli-job', '--only', 'errors']);
    assert.deepEqual([errorsOnly.code, errorsOnly.stdout], [0, '']);
    const elsewhere = await durabatch(env, home, ['results', 'cli-job', '--store', join(home, 'another-store')]);
    assert.equal(elsewhere.code, 1);
    assert.match(elsewhere.stderr, /job cli-job was started with the job store .*store, but this client uses .*another-store: pass --store/);
  });

  it('cancels a running job by signal; what finished is kept, the rest ends cancelled', async () => {
    env.emulator.configure({ ...FAST_FAULTS, processingMs: 6000 });
    const started = await start('cli-cancel', jsonl(USER_REQUESTS));
    assert.equal(started.code, 0, started.stderr);
    const cancelled = await durabatch(env, home, ['cancel', 'cli-cancel']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /cancel sent to cli-cancel/);
    const results = await durabatch(env, home, ['results', 'cli-cancel']);
    const outcomes = results.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(outcomes.length, 3);
    assert.ok(outcomes.some((o) => !o.ok && o.error.type === 'cancelled'), results.stdout);
    assert.equal(JSON.parse((await durabatch(env, home, ['status', 'cli-cancel'])).stdout).phase, 'cancelled');
  });

  it('exits 1 with an actionable message on bad input, a bad JSONL line, or a job ID taken by another job', async () => {
    const empty = await start('cli-empty', '');
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /durabatch: invalid batch job:\n {2}- requests is empty/);

    const notJson = await start('cli-not-json', '{"oops"\n');
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /-:1: not JSON/);

    const taken = await start('cli-job', jsonl([USER_REQUESTS[0]]));
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /job ID "cli-job" already names a different job \(completed/);

    const unknown = await durabatch(env, home, ['status', 'no-such-job']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no-such-job/);
  });

  it('a watched job that fails exits 1 with the reason', async () => {
    // The CLI knows a schema the worker was not given: the job fails in its first step.
    const batchesBefore = env.emulator.stats().batchesCreated;
    const module = join(home, 'other-schemas.cjs');
    await writeFile(module, `const { z } = require(${JSON.stringify(require.resolve('zod'))});\nexports.schemas = { Pet: z.object({ name: z.string() }) };\n`);
    const run = await durabatch(
      env, home,
      ['start', '-r', '-', '-s', 'Pet', '-m', 'gpt-4o-mini', '--schemas', module, '--task-queue', env.taskQueue, '--job-id', 'cli-fails', '--poll', '100', '--watch'],
      jsonl([[{ role: 'user', content: 'Rex the dog' }]]),
    );
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /durabatch: job cli-fails failed: schema "Pet" is not registered on this worker/);
    assert.equal(env.emulator.stats().batchesCreated, batchesBefore, 'no provider call');
  });
});
