/**
 * Starts the emulator in a child process (standalone.ts) and steers it over its admin API, so a
 * test or the chaos runner can kill it like a crashed provider and start it again on the same port
 * and state directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BatchEngine, FaultConfig } from './engine';

/** tsx's loader by absolute URL, so the child resolves it whatever its working directory. */
const tsxLoader = () => pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;

export interface ChildEmulatorOptions {
  /** 0 (the default) picks a free port; pass the port of the last child to restart in its place */
  port?: number;
  host?: string;
  stateDir?: string;
  faults?: Partial<FaultConfig>;
}

export interface ChildEmulator {
  url: string;
  port: number;
  pid: number;
  configure(patch: Partial<FaultConfig>): Promise<FaultConfig>;
  stats(): Promise<ReturnType<BatchEngine['stats']>>;
  /** SIGKILL, as a crash: nothing is flushed or closed */
  kill(): Promise<void>;
  /** SIGTERM: closes the server and the state directory */
  stop(): Promise<void>;
}

async function admin<T>(url: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(
    `${url}/_emulator/${path}`,
    body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  if (!res.ok) throw new Error(`emulator ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function signal(child: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(sig);
  await exited;
}

export async function startChildEmulator(opts: ChildEmulatorOptions = {}): Promise<ChildEmulator> {
  const args = [join(__dirname, 'standalone.ts'), '--port', String(opts.port ?? 0)];
  if (opts.host) args.push('--host', opts.host);
  if (opts.stateDir) args.push('--state-dir', opts.stateDir);
  if (opts.faults) args.push('--faults', JSON.stringify(opts.faults));
  const child = spawn(process.execPath, ['--import', tsxLoader(), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const m = /emulator listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, sig) => reject(new Error(`emulator process exited early (${sig ?? `code ${code}`}): ${out.trim()}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    configure: (patch) => admin<FaultConfig>(url, 'config', patch),
    stats: () => admin(url, 'stats'),
    kill: () => signal(child, 'SIGKILL'),
    stop: () => signal(child, 'SIGTERM'),
  };
}
