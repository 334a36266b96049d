import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProviderConfig } from '../../src/providers';
import type { TestEnv } from './test-env';

/** tsx's loader by absolute URL: a worker with its own working directory cannot resolve `tsx` from there. */
const TSX_LOADER = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;

/** Starts test/helpers/worker-process.ts in a child process and resolves once it polls its task queue. */
/** What a worker process needs to know of its stack. */
export type WorkerStack = Pick<TestEnv, 'taskQueue' | 'storeUrl'> & { server: { address: string }; emulator: { url: string } };

export async function startChildWorker(
  env: WorkerStack,
  providers: Partial<ProviderConfig> = {},
  /** Another working directory and DURABATCH_HOME: a worker "on another host" that shares only the store URL. */
  opts: { cwd?: string; home?: string; storeUrl?: string } = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, join(__dirname, 'worker-process.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.server.address,
      TASK_QUEUE: env.taskQueue,
      EMULATOR_URL: env.emulator.url,
      DURABATCH_STORE: opts.storeUrl ?? env.storeUrl,
      ...(opts.home && { DURABATCH_HOME: opts.home }),
      WORKER_PROVIDERS: JSON.stringify(providers),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
    ...(opts.cwd && { cwd: opts.cwd }),
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`worker process exited early (code ${code}): ${out}`);
  });
  const ready = new Promise<void>((resolve) => {
    const check = () => (out.includes('worker ready') ? resolve() : setTimeout(check, 20));
    check();
  });
  await Promise.race([ready, exited]);
  exited.catch(() => undefined);
  return child;
}

export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await once(child, 'exit');
}
