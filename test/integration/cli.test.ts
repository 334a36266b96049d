import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/devserver';
import { FAST_FAULTS, startTestEnv, waitFor, type TestEnv } from '../helpers/test-env';
import { USER_REQUESTS } from '../helpers/schemas';

const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.ts');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The CLI as a child process; `address: null` leaves --address out (TEMPORAL_ADDRESS decides). */
function spawnCli(args: string[], opts: { home: string; address: string | null; env?: NodeJS.ProcessEnv }): ChildProcess {
  const address = opts.address === null ? [] : ['--address', opts.address];
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...address, ...args], {
    env: { ...process.env, DURABATCH_HOME: opts.home, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function collect(child: ChildProcess, stdin = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin!.end(stdin);
  });
}

/** `durabatch <args>` in its own process, as a person would run it. */
function durabatch(env: TestEnv, home: string, args: string[], stdin = '', extraEnv?: NodeJS.ProcessEnv): Promise<CliRun> {
  return collect(spawnCli(args, { home, address: env.server.address, env: extraEnv }), stdin);
}

/** Every line a person would see, split the way a terminal splits them. */
const screenLines = (run: Pick<CliRun, 'stdout' | 'stderr'>) => (run.stdout + run.stderr).split(/\r\n|\r|\n/);

const jsonl = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

/** The `durabatch` CLI against a real dev server, a worker and the emulator: start, watch, list, status, cancel, results. */
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
    durabatch(
      env,
      home,
      [
        'start',
        '-r',
        '-',
        '-s',
        'User',
        '-m',
        'gpt-4o-mini',
        '--task-queue',
        env.taskQueue,
        '--job-id',
        jobId,
        '--poll',
        '100',
        '--poll-max',
        '400',
        ...extra,
      ],
      requests,
    );

  it('starts a job from JSONL on stdin, watches it to the end, and prints status and typed results', async () => {
    env.emulator.configure(FAST_FAULTS);
    const started = await start('cli-job', jsonl(USER_REQUESTS), ['--watch']);
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(started.stdout.trim().split('\n'), ['cli-job', 'completed: 3 succeeded, 0 failed']);
    assert.match(started.stderr, /completed +\[█+\] 3\/3/, 'the live status line, on stderr');

    const status = await durabatch(env, home, ['status', 'cli-job', '--json']);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout);
    assert.equal(parsed.phase, 'completed');
    assert.deepEqual(parsed.counts, { total: 3, succeeded: 3, failed: 0, pending: 0 });

    const results = await durabatch(env, home, ['results', 'cli-job']);
    assert.equal(results.code, 0, results.stderr);
    const outcomes = results.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      outcomes.map((o) => [o.customId, o.ok, o.data?.name]),
      [
        ['request-0', true, 'John Doe'],
        ['request-1', true, 'Jane Smith'],
        ['request-2', true, 'Bob Wilson'],
      ],
    );
    // To a file, one kind only; from a directory that is not the job's store, a clear refusal.
    const out = join(home, 'ok.jsonl');
    const toFile = await durabatch(env, home, ['results', 'cli-job', '--out', out, '--only', 'ok']);
    assert.equal(toFile.code, 0, toFile.stderr);
    assert.match(
      toFile.stderr,
      /3 outcomes written to .*ok\.jsonl; usage \d+ input \+ \d+ output tokens, about \$\d[\d.]* at batch prices/,
    );
    assert.equal((await readFile(out, 'utf8')).trim().split('\n').length, 3);
    const errorsOnly = await durabatch(env, home, ['results', 'cli-job', '--only', 'errors']);
    assert.deepEqual([errorsOnly.code, errorsOnly.stdout], [0, '']);
    const elsewhere = await durabatch(env, home, ['results', 'cli-job', '--store', join(home, 'another-store')]);
    assert.equal(elsewhere.code, 4, 'not found in this store');
    assert.match(
      elsewhere.stderr,
      /job cli-job was started with the job store .*store, but this client uses .*another-store: pass --store/,
    );
  });

  it('status --json, results --format csv, cancel of a finished job, and results that are not where they are looked for', async () => {
    const table = await durabatch(env, home, ['status', 'cli-job']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^phase +completed$/m);
    assert.match(table.stdout, /^items +3 total: 3 succeeded, 0 failed, 0 pending$/m);
    assert.match(table.stdout, /^cost +\$\d[\d.]* \(estimated at the model's batch price\)$/m);

    const csv = await durabatch(env, home, ['results', 'cli-job', '--format', 'csv']);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = csv.stdout.trim().split('\n');
    assert.equal(rows[0], 'id,ok,value,error_type,error_message,attempts');
    assert.deepEqual(
      rows.slice(1).map((r) => r.split(',').slice(0, 2)),
      [
        ['request-0', 'true'],
        ['request-1', 'true'],
        ['request-2', 'true'],
      ],
    );
    assert.match(rows[1]!, /^request-0,true,"\{""name"":""John Doe"",.*\}",,,1$/);

    const cancel = await durabatch(env, home, ['cancel', 'cli-job']);
    assert.equal(cancel.code, 5);
    assert.match(cancel.stderr, /job cli-job already ended \(completed\); nothing to cancel/);

    // The same store identity but none of its files: nothing readable. Not silence and exit 0.
    const empty = join(home, 'empty-store');
    await mkdir(empty);
    await copyFile(join(home, 'store', 'store.json'), join(empty, 'store.json'));
    const nothing = await durabatch(env, home, ['results', 'cli-job', '--store', empty]);
    assert.equal(nothing.code, 4, nothing.stderr);
    assert.equal(nothing.stdout, '');
    assert.match(nothing.stderr, /no results of job cli-job in .*empty-store.*: is this the job store its worker writes to\?/);
  });

  it('cancels a running job by signal; what finished is kept, the rest ends cancelled', async () => {
    env.emulator.configure({ ...FAST_FAULTS, processingMs: 6000 });
    const started = await start('cli-cancel', jsonl(USER_REQUESTS));
    assert.equal(started.code, 0, started.stderr);
    const cancelled = await durabatch(env, home, ['cancel', 'cli-cancel']);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /cancel sent to cli-cancel/);
    const results = await durabatch(env, home, ['results', 'cli-cancel']);
    const outcomes = results.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(outcomes.length, 3);
    assert.ok(
      outcomes.some((o) => !o.ok && o.error.type === 'cancelled'),
      results.stdout,
    );
    assert.equal(JSON.parse((await durabatch(env, home, ['status', 'cli-cancel', '--json'])).stdout).phase, 'cancelled');
  });

  it('exits 2 with an actionable message on bad input, a bad JSONL line, or a job ID taken by another job', async () => {
    const empty = await start('cli-empty', '');
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /durabatch: invalid job, nothing was started:\n {2}- --requests stdin: has no requests/);

    const notJson = await start('cli-not-json', '{"oops"\n');
    assert.equal(notJson.code, 2);
    assert.match(notJson.stderr, /stdin:1: not JSON/);

    const taken = await start('cli-job', jsonl([USER_REQUESTS[0]]));
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /job ID "cli-job" already names a different job \(completed.*choose another --job-id/);
  });

  it('says flag problems in flag terms, all at once, before connecting', async () => {
    const pollMax = await durabatch(
      env,
      home,
      ['start', '-r', '-', '-s', 'User', '-m', 'gpt-4o-mini', '--poll-max', '1000'],
      jsonl(USER_REQUESTS),
    );
    assert.equal(pollMax.code, 2);
    assert.match(pollMax.stderr, /- --poll-max \(1000 ms\) must be at least --poll \(30000 ms, the default\)/);
    assert.doesNotMatch(pollMax.stderr, /timing\./);

    // A duplicate ID does not hide --max-attempts 0; nor does the missing server (nothing connects).
    const requests = join(home, 'dupes.jsonl');
    await writeFile(
      requests,
      `\uFEFF${jsonl([
        { customId: 'a', messages: USER_REQUESTS[0] },
        { customId: 'a', messages: USER_REQUESTS[1] },
      ])}`,
    );
    const closed = `127.0.0.1:${await freePort()}`;
    const both = await collect(
      spawnCli(['start', '-r', requests, '-s', 'User', '-m', 'gpt-4o-mini', '--max-attempts', '0'], { home, address: closed }),
    );
    assert.equal(both.code, 2, both.stderr);
    assert.match(
      both.stderr,
      /- --max-attempts \(0\) must be a whole number >= 1\n {2}- .*dupes\.jsonl line 2: duplicate customId "a" \(also on line 1\)/,
    );
  });

  it('an unknown job is "no job", exit 4, for every job command', async () => {
    for (const command of ['status', 'watch', 'cancel', 'results']) {
      const run = await durabatch(env, home, [command, 'no-such-job']);
      assert.equal(run.code, 4, `${command}: ${run.stderr}`);
      assert.match(run.stderr, /^durabatch: no job no-such-job in Temporal namespace "default"/, command);
      assert.doesNotMatch(run.stderr, /failed/, command);
    }
  });

  it('a watched job that fails exits 1 with the reason; status says it too', async () => {
    // The CLI knows a schema the worker was not given: the job fails in its first step.
    const batchesBefore = env.emulator.stats().batchesCreated;
    const module = join(home, 'other-schemas.cjs');
    await writeFile(
      module,
      `const { z } = require(${JSON.stringify(require.resolve('zod'))});\nexports.schemas = { Pet: z.object({ name: z.string() }) };\n`,
    );
    const run = await durabatch(
      env,
      home,
      [
        'start',
        '-r',
        '-',
        '-s',
        'Pet',
        '-m',
        'gpt-4o-mini',
        '--schemas',
        module,
        '--task-queue',
        env.taskQueue,
        '--job-id',
        'cli-fails',
        '--poll',
        '100',
        '--watch',
      ],
      jsonl([[{ role: 'user', content: 'Rex the dog' }]]),
    );
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stderr, /durabatch: job cli-fails failed: schema "Pet" is not registered on this worker/);
    assert.equal(env.emulator.stats().batchesCreated, batchesBefore, 'no provider call');

    const table = await durabatch(env, home, ['status', 'cli-fails', '--schemas', module]);
    assert.equal(table.code, 1, table.stderr);
    assert.match(table.stdout, /^phase +failed$/m);
    assert.match(table.stdout, /^failed +job cli-fails failed: schema "Pet" is not registered/m);
    const json = await durabatch(env, home, ['status', 'cli-fails', '--json', '--schemas', module]);
    assert.equal(json.code, 1, json.stderr);
    assert.equal(JSON.parse(json.stdout).phase, 'failed');
    assert.match(JSON.parse(json.stdout).failure, /schema "Pet" is not registered on this worker/);
  });

  it('lists recent jobs from visibility, filtered by phase, in 80 columns or as JSON', async () => {
    type Row = { jobId: string; phase: string; provider: string; model: string; items: number };
    const list = async (...args: string[]) => {
      const run = await durabatch(env, home, ['list', '--json', '--limit', '100', ...args]);
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as Row[];
    };
    // Visibility is eventually consistent: a job's last phase may take a moment to be listed.
    const failed = await waitFor('the failed job in the list', async () => {
      const rows = await list('--phase', 'failed');
      return rows.some((r) => r.jobId === 'cli-fails') && rows;
    });
    assert.ok(
      failed.every((r) => r.phase === 'failed'),
      JSON.stringify(failed),
    );
    const completed = await list('--phase', 'completed');
    assert.ok(completed.some((r) => r.jobId === 'cli-job'));
    assert.ok(!completed.some((r) => r.jobId === 'cli-fails' || r.jobId === 'cli-cancel'), JSON.stringify(completed));
    const job = completed.find((r) => r.jobId === 'cli-job')!;
    assert.deepEqual([job.provider, job.model, job.items], ['openai', 'gpt-4o-mini', 3]);

    const human = await durabatch(env, home, ['list'], '', { COLUMNS: '80' });
    assert.equal(human.code, 0, human.stderr);
    const lines = human.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID +PROVIDER +MODEL +PHASE +ITEMS +AGE$/);
    assert.ok(
      lines.some((l) => /^cli-fails +openai +gpt-4o-mini +failed +1 +\d+[smhd]$/.test(l)),
      human.stdout,
    );
    assert.ok(
      lines.every((l) => l.length <= 80),
      human.stdout,
    );
  });

  it('watch: a bar in 80 columns; Ctrl-C leaves the job running, says how to cancel it, exits 130', async () => {
    // Long enough that the job is still running when the Ctrl-C comes, on a slow machine too.
    env.emulator.configure({ ...FAST_FAULTS, processingMs: 20_000 });
    const started = await start('cli-watch', jsonl(USER_REQUESTS));
    assert.equal(started.code, 0, started.stderr);
    const child = spawnCli(['watch', 'cli-watch'], { home, address: env.server.address, env: { COLUMNS: '80' } });
    const run = collect(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    await waitFor('the first status line', async () => /\[[█░]+\] \d\/3/.test(stderr), 30_000);
    child.kill('SIGINT');
    const watched = await run;
    assert.equal(watched.code, 130, watched.stderr);
    assert.match(watched.stderr, /stopped watching; job cli-watch keeps running\. To cancel it:\n {2}durabatch cancel cli-watch\n/);
    for (const line of screenLines(watched)) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);

    const still = await durabatch(env, home, ['status', 'cli-watch', '--json']);
    assert.ok(!['completed', 'cancelled', 'failed'].includes(JSON.parse(still.stdout).phase), 'the Ctrl-C did not stop the job');
    // Tidy up (5: it may have ended meanwhile).
    assert.ok([0, 5].includes((await durabatch(env, home, ['cancel', 'cli-watch'])).code ?? -1));
  });

  it('server start|status|stop: a background dev server on its DURABATCH_HOME database', async () => {
    const serverHome = await mkdtemp(join(tmpdir(), 'durabatch-server-'));
    const address = `127.0.0.1:${await freePort()}`;
    const uiPort = String(await freePort());
    const server = (...args: string[]) => collect(spawnCli(['server', ...args], { home: serverHome, address }));
    try {
      const started = await server('start', '--ui-port', uiPort);
      assert.equal(started.code, 0, started.stderr);
      assert.match(
        started.stdout,
        new RegExp(`^dev server started at ${address} \\(pid \\d+\\)\n {2}Web UI +http://localhost:${uiPort}\n`),
      );
      const status = await server('status');
      assert.equal(status.code, 0, status.stderr);
      assert.match(
        status.stdout,
        new RegExp(
          `^dev server running at ${address} \\(pid \\d+, since .*\\)\n {2}Web UI +http://localhost:${uiPort}\n {2}database +.*temporal\\.db`,
        ),
      );
      assert.match((await server('start', '--ui-port', uiPort)).stdout, /already running/);
      assert.match((await server('stop')).stdout, /dev server stopped/);
      const gone = await server('status');
      assert.equal(gone.code, 3);
      assert.match(gone.stderr, /no dev server answers at .*: start one with `durabatch server start`/);
    } finally {
      await server('stop');
      await rm(serverHome, { recursive: true, force: true });
    }
  });

  it('dev: dev server, emulator and worker in one command; a job runs through it; Ctrl-C stops all and exits 0', async () => {
    const devHome = await mkdtemp(join(tmpdir(), 'durabatch-dev-'));
    const address = `127.0.0.1:${await freePort()}`;
    const ports = ['--ui-port', String(await freePort()), '--emulator-port', String(await freePort())];
    const dev = spawnCli(['dev', ...ports, '--task-queue', 'cli-dev'], { home: devHome, address });
    const run = collect(dev);
    let stdout = '';
    dev.stdout!.on('data', (d: Buffer) => (stdout += d));
    try {
      await waitFor('dev to be up', async () => stdout.includes('Ctrl-C stops everything'), 60_000);
      assert.match(
        stdout,
        new RegExp(
          `Temporal +${address} \\(database .*temporal\\.db\\)\n {2}Web UI +http://localhost:\\d+\n {2}emulator +http://127\\.0\\.0\\.1:\\d+`,
        ),
      );
      assert.ok(
        stdout.includes(
          `| durabatch --address ${address} \\\n      start -r - -s User -m gpt-4o-mini --poll 1000 --task-queue cli-dev --watch`,
        ),
        stdout,
      );
      const job = await collect(
        spawnCli(['start', '-r', '-', '-s', 'User', '-m', 'gpt-4o-mini', '--task-queue', 'cli-dev', '--poll', '100', '--watch'], {
          home: devHome,
          address,
        }),
        jsonl([USER_REQUESTS[0]]),
      );
      assert.equal(job.code, 0, job.stderr);
      assert.match(job.stdout, /completed: 1 succeeded, 0 failed/);
    } finally {
      dev.kill('SIGINT');
    }
    const ended = await run;
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, /SIGINT: stopping the worker, the emulator and the dev server\.\.\.\nstopped\n$/);
    const status = await collect(spawnCli(['server', 'status'], { home: devHome, address }));
    assert.equal(status.code, 3, 'the dev server dev started is stopped with it');
    await rm(devHome, { recursive: true, force: true });
  });

  it('--version, and a Temporal that is not there: named, with what to do, fast', async () => {
    const { version } = JSON.parse(await readFile(join(__dirname, '..', '..', 'package.json'), 'utf8'));
    const v = await collect(spawnCli(['--version'], { home, address: null }));
    assert.deepEqual([v.code, v.stdout.trim()], [0, version]);

    const closed = `127.0.0.1:${await freePort()}`;
    const began = Date.now();
    const run = await collect(spawnCli(['status', 'cli-job'], { home, address: null, env: { TEMPORAL_ADDRESS: closed } }));
    const took = Date.now() - began;
    assert.equal(run.code, 3, run.stderr);
    assert.ok(
      run.stderr.includes(`cannot reach Temporal at ${closed} (connection refused): start one with \`durabatch server start\``),
      run.stderr,
    );
    assert.match(run.stderr, /TEMPORAL_ADDRESS/);
    assert.ok(took < 5000, `took ${took} ms`);
  });
});
