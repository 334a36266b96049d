import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureSearchAttributes } from '../search-attributes-check';
import { Connection } from '@temporalio/client';
import { findTemporalCli } from './temporal-cli';

export type SearchAttributeType = 'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  pid?: number;
  stop(): Promise<void>;
}

export interface StartDevServerOptions {
  port?: number;
  /** With a UI port the Web UI is served; otherwise the server is headless. */
  uiPort?: number;
  /** SQLite file: state survives restarts. Default: in memory. */
  dbFilename?: string;
  namespace?: string;
  searchAttributes?: Record<string, SearchAttributeType>;
  /** Keep running after this process exits (logs and pid file beside dbFilename). */
  detached?: boolean;
  /**
   * A server that is not detached but out of the terminal's process group: Ctrl-C reaches only
   * this process, which stops the server after whatever uses it (`durabatch dev`).
   */
  ownProcessGroup?: boolean;
  /** More `temporal server start-dev` flags, e.g. `--dynamic-config-value KEY=JSON`. */
  extraArgs?: string[];
  log?: (line: string) => void;
}

/** The SDK's own readiness check gives up after 5 s; a cold start of the CLI can take longer. */
const READY_TIMEOUT_MS = 30_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** How many fresh ports a server without a given port is tried on before its start counts as failed. */
const START_TRIES = 3;

export async function startDevServer(opts: StartDevServerOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDevServerOnce(opts);
    } catch (err) {
      // A port found free can be taken before the server binds it (or one of the ports it picks for
      // itself can): a server that exits at once is tried again on a new port, unless the port was given.
      if (opts.port !== undefined || attempt >= START_TRIES || !(err instanceof ExitedBeforeServing)) throw err;
      opts.log?.(`${err.message}; trying another port`);
    }
  }
}

class ExitedBeforeServing extends Error {}

async function startDevServerOnce(opts: StartDevServerOptions): Promise<DevServer> {
  const cli = await findTemporalCli({ log: opts.log });
  const port = opts.port ?? (await freePort());
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  args.push(...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']));
  if (opts.dbFilename) args.push('--db-filename', opts.dbFilename);
  for (const [name, type] of Object.entries(opts.searchAttributes ?? {})) args.push('--search-attribute', `${name}=${type}`);
  // The server batches timers by up to 1 s by default, so a 100 ms poll would wait a second: local
  // jobs poll at the interval they ask for.
  args.push('--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"');
  args.push(...(opts.extraArgs ?? []));

  let child: ChildProcess;
  if (opts.detached) {
    const dir = join(opts.dbFilename ?? '.', '..');
    await mkdir(dir, { recursive: true });
    const logFd = openSync(join(dir, 'temporal.log'), 'a');
    child = spawn(cli, args, { detached: true, stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    child.unref();
    await writeFile(join(dir, 'temporal.pid'), String(child.pid));
    const info: DetachedServerInfo = {
      pid: child.pid!,
      address: `127.0.0.1:${port}`,
      uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
      dbFilename: opts.dbFilename,
      log: join(dir, 'temporal.log'),
      startedAt: new Date().toISOString(),
    };
    await writeFile(join(dir, SERVER_INFO_FILE), JSON.stringify(info, null, 2) + '\n');
  } else {
    child = spawn(cli, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: opts.ownProcessGroup === true });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.on('exit', (code) => {
      if (code && code !== 0) opts.log?.(`temporal dev server exited ${code}: ${stderr}`);
    });
    killWithParent(child);
  }
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, child);
  } catch (err) {
    child.kill('SIGKILL');
    // A detached server's own words are in its log, not in this process.
    if (opts.detached) (err as Error).message += ` (its log: ${join(opts.dbFilename ?? '.', '..', 'temporal.log')})`;
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: opts.uiPort ? `http://localhost:${opts.uiPort}` : undefined,
    pid: child.pid,
    stop: () => stopProcess(child),
  };
}

/** What `durabatch server status` reads of a detached server: written when it starts, removed when it is stopped. */
export interface DetachedServerInfo {
  pid: number;
  address: string;
  uiUrl?: string;
  dbFilename?: string;
  log: string;
  startedAt: string;
}

const SERVER_INFO_FILE = 'temporal.json';

/** The detached server recorded in `dataDir`, and whether its process is still alive. */
export async function detachedDevServer(dataDir: string): Promise<(DetachedServerInfo & { alive: boolean }) | undefined> {
  let info: DetachedServerInfo;
  try {
    info = JSON.parse(await readFile(join(dataDir, SERVER_INFO_FILE), 'utf8')) as DetachedServerInfo;
  } catch {
    // Started by an older durabatch: only its pid is known.
    const pid = Number(await readFile(join(dataDir, 'temporal.pid'), 'utf8').catch(() => NaN));
    if (!Number.isInteger(pid)) return undefined;
    info = { pid, address: '127.0.0.1:7233', log: join(dataDir, 'temporal.log'), startedAt: '' };
  }
  return { ...info, alive: signal(info.pid, 0) };
}

/**
 * Reuses a server that answers at `address`, else starts one with its database in `dataDir`:
 * detached (it outlives this process) unless `detached: false`.
 */
export async function ensureDevServer(opts: {
  address?: string;
  uiPort?: number;
  dataDir: string;
  searchAttributes: Record<string, SearchAttributeType>;
  detached?: boolean;
  /** For a server that is not detached: see StartDevServerOptions.ownProcessGroup. */
  ownProcessGroup?: boolean;
  log?: (line: string) => void;
}): Promise<DevServer & { reused: boolean }> {
  const address = opts.address ?? '127.0.0.1:7233';
  const uiPort = opts.uiPort ?? 8233;
  if (await isServing(address)) {
    await registerSearchAttributes(address, opts.searchAttributes);
    // The UI a detached server of ours was started with, when it is the one answering.
    const known = await detachedDevServer(opts.dataDir);
    const uiUrl = known?.alive && known.address === address ? known.uiUrl : `http://localhost:${uiPort}`;
    return { address, namespace: 'default', uiUrl, pid: known?.alive ? known.pid : undefined, reused: true, stop: async () => undefined };
  }
  const [host, port] = address.split(':');
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`no Temporal server answers at ${address}`);
  await mkdir(opts.dataDir, { recursive: true });
  const server = await startDevServer({
    port: Number(port),
    uiPort,
    dbFilename: join(opts.dataDir, 'temporal.db'),
    searchAttributes: opts.searchAttributes,
    detached: opts.detached ?? true,
    ownProcessGroup: opts.ownProcessGroup,
    log: opts.log,
  });
  return { ...server, reused: false };
}

/**
 * Stops the detached server ensureDevServer started in `dataDir`, and waits until it has exited:
 * a server still closing its SQLite file while a new one opens it fails with a disk I/O error.
 */
export async function stopDetachedDevServer(dataDir: string, graceMs = 10_000): Promise<boolean> {
  const pidFile = join(dataDir, 'temporal.pid');
  let pid: number;
  try {
    pid = Number(await readFile(pidFile, 'utf8'));
  } catch {
    return false;
  }
  await rm(pidFile, { force: true });
  await rm(join(dataDir, SERVER_INFO_FILE), { force: true });
  if (!signal(pid, 'SIGTERM')) return false;
  const deadline = Date.now() + graceMs;
  while (signal(pid, 0)) {
    if (Date.now() > deadline) {
      signal(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/** Sends `sig` to `pid` (0 only asks whether it is alive); false when there is no such process. */
function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function registerSearchAttributes(address: string, attrs: Record<string, SearchAttributeType>): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await ensureSearchAttributes(connection.operatorService, 'default', attrs);
  } finally {
    await connection.close();
  }
}

/** Whether a Temporal frontend answers at `address` (within a second). */
export async function isServing(address: string): Promise<boolean> {
  try {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      await connection.workflowService.getSystemInfo({});
      return true;
    } finally {
      await connection.close();
    }
  } catch {
    return false;
  }
}

async function waitUntilServing(address: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new ExitedBeforeServing(`the temporal dev server exited (code ${child.exitCode}) before serving on ${address}`);
    if (await isServing(address)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the temporal dev server did not answer on ${address} within ${READY_TIMEOUT_MS / 1000} s`);
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;
/** A test's or demo's private server must not outlive it, whatever way the process ends. */
function killWithParent(child: ChildProcess): void {
  children.add(child);
  child.on('exit', () => children.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
