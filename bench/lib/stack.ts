/**
 * The end-to-end benchmarks' stack: a Temporal dev server, the emulator in this process, a worker
 * and clients in child processes (each with its own RSS to report), and a file store in a temp dir.
 * Children talk to this process over IPC only: their stdout is sent to stderr, so nothing they
 * print can mix with the figures on stdout.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { findTemporalCli, startDevServer, type DevServer } from '../../src/devserver';
import { startEmulator, type Emulator, type FaultConfig } from '../../src/emulator';
import { SEARCH_ATTRIBUTES } from '../../src/search-attributes';
import { MIB, vmHwmMb } from './report';

/** Batches that end 200 ms after creation: the benchmarks measure durabatch, not waiting. */
export const FAST_FAULTS: Partial<FaultConfig> = { validatingMs: 0, processingMs: 200, finalizingMs: 0 };
export const POLL_MS = 500;

export interface Stack {
  server: DevServer;
  emulator: Emulator;
  dir: string;
  storeUrl: string;
  taskQueue: string;
  /** Environment every child gets: where the server, emulator and store are. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * The server fires no timer earlier than now + `history.timerProcessorMaxTimeShift` (default 1 s):
 * a 500 ms poll timer would fire after about 1 s, while the plain script's setTimeout fires on time.
 * 10 ms lets the workflow poll at the interval it asks for (for real batches, minutes to hours, the
 * default makes no difference).
 */
const SERVER_ARGS = ['--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"'];

export async function startStack(faults: Partial<FaultConfig> = FAST_FAULTS): Promise<Stack> {
  const server = await startDevServer({ searchAttributes: { ...SEARCH_ATTRIBUTES }, extraArgs: SERVER_ARGS });
  const emulator = await startEmulator({ port: 0, faults });
  const dir = await mkdtemp(join(tmpdir(), 'durabatch-bench-'));
  const storeUrl = join(dir, 'store');
  const workflowBundle = join(dir, 'workflow-bundle.js');
  const bundled = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, 'bundle-child.ts'), workflowBundle], {
    stdio: 'inherit',
  });
  if (bundled.status !== 0) throw new Error('could not bundle the workflow code');
  const taskQueue = `bench-${Math.random().toString(36).slice(2, 8)}`;
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_NAMESPACE: server.namespace,
    TASK_QUEUE: taskQueue,
    EMULATOR_URL: emulator.url,
    DURABATCH_STORE: storeUrl,
    WORKFLOW_BUNDLE: workflowBundle,
    // Nothing of a benchmark may land in the project's own ./.durabatch.
    DURABATCH_HOME: dir,
  };
  return {
    server,
    emulator,
    dir,
    storeUrl,
    taskQueue,
    env,
    async close() {
      await emulator.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TypeScript file in a child Node process, with an IPC channel; its stdout goes to our stderr.
 * Run as `durabatch` runs a checkout (bin/durabatch.js): through tsx's CommonJS hook alone. `--import
 * tsx` would add tsx's ESM loader thread, a V8 isolate of its own (14 MiB of RSS in a bare process;
 * the big-job worker was 30 MiB smaller at ready without it) that neither the CLI nor the installed
 * package (compiled JS) carries, and the memory figures would count it.
 */
export function spawnChild(file: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, '--require', 'tsx/cjs', join(__dirname, file)], {
    env,
    // `tsx/cjs` resolves from the working directory: the repository's, wherever we were started.
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', process.stderr, 'inherit', 'ipc'],
  });
}

/** The next IPC message of `type` from a child; rejects if the child exits first. */
export function message<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: { type?: string }) => {
      if (m?.type !== type) return;
      cleanup();
      resolve(m as T);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`${child.spawnargs.at(-1)} exited (code ${code}, signal ${signal}) before sending "${type}"`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

export interface PeakReport {
  type: 'stopped' | 'done';
  /** Largest `process.memoryUsage().rss` sampled every 200 ms (a worker: after start-up), MiB. */
  sampledRssMb: number;
  /** The kernel's high-water mark (VmHWM), MiB: the true peak. */
  peakRssMb: number;
}

export interface WorkerPeakReport extends PeakReport {
  /** Peak while the worker was being created (workflow bundle built), MiB. */
  startupPeakMb: number;
  /** RSS once it polls its task queue, MiB. */
  readyRssMb: number;
}

export interface RunningWorker {
  pid: number;
  /** Shuts the worker down and returns its memory peak. */
  stop(): Promise<WorkerPeakReport>;
}

export async function startWorkerChild(stack: Stack): Promise<RunningWorker> {
  const child = spawnChild('worker-child.ts', stack.env);
  await message(child, 'ready');
  return {
    pid: child.pid!,
    async stop() {
      const report = message<WorkerPeakReport>(child, 'stopped');
      child.send({ type: 'stop' });
      const result = await report;
      if (child.exitCode === null) await once(child, 'exit');
      return result;
    },
  };
}

export interface ClientReport extends PeakReport {
  jobId: string;
  /** Requests streamed into the store and the workflow started. */
  startMs: number;
  /** Then until the workflow's result. */
  resultMs: number;
  /** Then streaming every outcome from the store. */
  streamMs: number;
  wallMs: number;
  ok: number;
  failed: number;
}

export interface ClientJob {
  n: number;
  jobId: string;
  pollMs?: number;
}

/** Runs one job from a fresh client process: start (streaming the requests in), result, every outcome. */
export async function runClientChild(stack: Stack, job: ClientJob): Promise<ClientReport> {
  const child = spawnChild('client-child.ts', {
    ...stack.env,
    BENCH_N: String(job.n),
    BENCH_JOB_ID: job.jobId,
    BENCH_POLL_MS: String(job.pollMs ?? POLL_MS),
  });
  const report = await message<ClientReport>(child, 'done');
  if (child.exitCode === null) await once(child, 'exit');
  return report;
}

export interface HistorySize {
  runs: number;
  events: number;
  /** Bytes of the history as `temporal workflow show --output json` prints it, summed over runs. */
  bytes: number;
}

/** Every run of a job (continueAsNew included), measured as the CLI shows them. */
export async function historyOf(stack: Stack, jobId: string): Promise<HistorySize> {
  const connection = await Connection.connect({ address: stack.server.address });
  const runIds: string[] = [];
  try {
    const client = new Client({ connection, namespace: stack.server.namespace });
    for await (const wf of client.workflow.list({ query: `WorkflowId = "${jobId}"` })) runIds.push(wf.runId);
  } finally {
    await connection.close();
  }
  const cli = await findTemporalCli();
  const size: HistorySize = { runs: runIds.length, events: 0, bytes: 0 };
  for (const runId of runIds) {
    const { stdout } = await promisify(execFile)(
      cli,
      [
        'workflow',
        'show',
        '-w',
        jobId,
        '-r',
        runId,
        '--output',
        'json',
        '--address',
        stack.server.address,
        '--namespace',
        stack.server.namespace,
      ],
      { maxBuffer: 512 * MIB },
    );
    size.events += (JSON.parse(stdout) as { events: unknown[] }).events.length;
    size.bytes += Buffer.byteLength(stdout);
  }
  return size;
}

/** This process's peak, for the record: it holds the emulator, whose memory is not durabatch's. */
export function selfPeakMb(): number {
  return vmHwmMb() ?? process.memoryUsage().rss / MIB;
}
