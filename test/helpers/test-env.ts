/**
 * A real stack for integration tests: a Temporal dev server (the `temporal` CLI, no mocks), the
 * emulator with the official SDKs pointed at it, a worker, and a client. One per test file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type ClientOptions } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, type Worker, DefaultLogger } from '@temporalio/worker';
import { Durabatch } from '../../src/client';
import { startDevServer, type DevServer } from '../../src/devserver';
import { startEmulator, type Emulator } from '../../src/emulator';
import type { FaultConfig } from '../../src/emulator/engine';
import type { JobTiming } from '../../src/job';
import { SEARCH_ATTRIBUTES } from '../../src/search-attributes';
import type { ProviderConfig } from '../../src/providers';
import { openStore, type JobStore } from '../../src/store';
import { createDurabatchWorker, WORKFLOWS_PATH } from '../../src/worker';
import { testSchemas } from './schemas';

/** Emulator timings that keep a job to about a second. */
export const FAST_FAULTS: Partial<FaultConfig> = { validatingMs: 30, processingMs: 200, finalizingMs: 30, cancellingMs: 50 };
export const FAST_TIMING: Partial<JobTiming> = { pollInitialMs: 100, pollMaxMs: 400, pollFactor: 1.5, heartbeatTimeoutMs: 2000 };

let runtimeQuiet = false;

export interface TestEnv {
  server: DevServer;
  emulator: Emulator;
  client: Client;
  durabatch: Durabatch;
  /** The job store every worker and the client use, and its URL. */
  store: JobStore;
  storeUrl: string;
  taskQueue: string;
  workflowBundle: { code: string };
  /** Starts an in-process worker (optionally pointed elsewhere than the emulator). */
  startWorker(opts?: { emulator?: boolean }): Promise<RunningWorker>;
  close(): Promise<void>;
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export async function startTestEnv(
  opts: {
    startWorker?: boolean;
    serverArgs?: string[];
    /** Serve the Web UI on this port (default: headless). */
    uiPort?: number;
    providers?: Partial<ProviderConfig>;
    /** The job store's URL (default: a new temporary directory, removed on close). */
    storeUrl?: string;
    /** For the client and every worker (e.g. `{ payloadCodecs: [codec] }`); default: the SDK's (a worker: its env default). */
    dataConverter?: ClientOptions['dataConverter'];
  } = {},
): Promise<TestEnv> {
  if (!runtimeQuiet) {
    // Tests provoke activity and workflow failures on purpose; the SDK logs each at WARN.
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeQuiet = true;
  }
  const server = await startDevServer({ searchAttributes: { ...SEARCH_ATTRIBUTES }, extraArgs: opts.serverArgs, uiPort: opts.uiPort });
  const emulator = await startEmulator({ port: 0, faults: FAST_FAULTS });
  const tempStore = opts.storeUrl ? undefined : await mkdtemp(join(tmpdir(), 'durabatch-store-'));
  const storeUrl = opts.storeUrl ?? tempStore!;
  const store = await openStore(storeUrl);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace, dataConverter: opts.dataConverter });
  const taskQueue = `test-${Math.random().toString(36).slice(2, 8)}`;
  const durabatch = new Durabatch(client, { schemas: testSchemas, taskQueue, store });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  const workers: RunningWorker[] = [];

  const env: TestEnv = {
    server,
    emulator,
    client,
    durabatch,
    store,
    storeUrl,
    taskQueue,
    workflowBundle,
    async startWorker({ emulator: useEmulator = true } = {}) {
      const nativeConnection = await NativeConnection.connect({ address: server.address });
      const worker = await createDurabatchWorker({
        schemas: testSchemas,
        connection: nativeConnection,
        namespace: server.namespace,
        taskQueue,
        store,
        workflowBundle,
        providers: { ...opts.providers, ...(useEmulator ? { emulatorUrl: emulator.url } : { env: {} }) },
        shutdownGraceTime: '1s',
        // The client's converter, never the environment's: a codec key in the shell must not split them.
        dataConverter: opts.dataConverter ?? {},
      });
      const running = worker.run();
      const handle: RunningWorker = {
        worker,
        async stop() {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running.catch(() => undefined);
          await nativeConnection.close();
        },
      };
      workers.push(handle);
      return handle;
    },
    async close() {
      for (const w of workers) await w.stop();
      await connection.close();
      await emulator.close();
      await server.stop();
      await store.close();
      if (tempStore) await rm(tempStore, { recursive: true, force: true });
    },
  };
  if (opts.startWorker !== false) await env.startWorker();
  return env;
}

/** Polls `probe` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
