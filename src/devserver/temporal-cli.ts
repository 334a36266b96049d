import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The CLI version durabatch builds: the last that `go install` accepts (later ones carry a go.mod replace). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export function cacheRoot(): string {
  return process.env.DURABATCH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'durabatch');
}

export function cachedCliPath(): string {
  return join(cacheRoot(), 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function onPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && (await isExecutable(join(dir, name)))) return join(dir, name);
  }
  return undefined;
}

/** Fetches or builds the CLI into the cache and returns its path; throws why it could not. */
export type CliSource = (log: (line: string) => void) => Promise<string>;

export interface FindTemporalCliOptions {
  log?: (line: string) => void;
  /** How to download it (default: the Temporal SDK's download, after a quick reachability check). Tests inject their own. */
  download?: CliSource;
  /** How to build it (default: `go install` into the cache). */
  build?: CliSource;
}

/** How long the download may take to answer at all: offline, the Go build starts after this, not after minutes. */
export const DOWNLOAD_PROBE_TIMEOUT_MS = 5000;

/**
 * The `temporal` CLI: $TEMPORAL_CLI, else one on PATH, else the cached one, else downloaded
 * (seconds, when online), else built with `go install` (minutes; works behind a Go proxy), each
 * into the cache outside the repo. When all fail, the error says what each step found.
 */
export async function findTemporalCli(opts: FindTemporalCliOptions = {}): Promise<string> {
  const log = opts.log ?? (() => undefined);
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return fromEnv;
    throw new Error(`TEMPORAL_CLI is set to ${fromEnv}, which is not an executable file`);
  }
  const found = (await onPath('temporal')) ?? ((await isExecutable(cachedCliPath())) ? cachedCliPath() : undefined);
  if (found) return found;
  let downloadError: string;
  try {
    return await (opts.download ?? downloadWithSdk)(log);
  } catch (err) {
    downloadError = (err as Error).message;
    log(`could not download the Temporal CLI (${downloadError}); building it with Go instead`);
  }
  try {
    return await (opts.build ?? buildTemporalCli)(log);
  } catch (err) {
    throw new Error(
      `the Temporal CLI was not found, and neither the download (${downloadError}) nor the build (${(err as Error).message}) ` +
        'could provide it. Put `temporal` on PATH, or set TEMPORAL_CLI to its path (https://docs.temporal.io/cli), or install Go >= 1.25',
      { cause: err },
    );
  }
}

/** The platform and architecture names temporal.download uses. */
function downloadPlatform(): { platform: string; arch: string } {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return { platform, arch };
}

/**
 * Whether temporal.download answers, within seconds. The SDK's own download has no timeout (offline
 * it would hang on its first request), so it is only started once this has answered.
 */
async function probeDownload(timeoutMs = DOWNLOAD_PROBE_TIMEOUT_MS): Promise<void> {
  const { platform, arch } = downloadPlatform();
  const url = `https://temporal.download/cli/default?platform=${platform}&arch=${arch}&sdk-name=sdk-typescript`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (cause ?? (err as Error).message);
    throw new Error(`temporal.download is not reachable: ${why}`, { cause: err });
  }
}

/**
 * Lets the Temporal SDK download its pinned CLI into our cache, by starting and stopping a
 * throw-away dev server, then keeps the binary where findTemporalCli looks.
 */
async function downloadWithSdk(log: (line: string) => void): Promise<string> {
  await probeDownload();
  const downloadDir = join(cacheRoot(), 'temporal-cli', 'sdk-download');
  await mkdir(downloadDir, { recursive: true });
  log('downloading the Temporal CLI through the Temporal SDK (first run only)...');
  try {
    // Loaded only here: the testing package is heavy and only this path needs it.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'cached-download', downloadDir } } });
    await env.teardown();
  } catch (err) {
    throw new Error(`the SDK could not download it: ${(err as Error).message}`, { cause: err });
  }
  const downloaded = (await readdir(downloadDir)).find((name) => name.startsWith('temporal-cli'));
  if (!downloaded) throw new Error(`the SDK reported a download but no temporal-cli binary is in ${downloadDir}`);
  await mkdir(join(cachedCliPath(), '..'), { recursive: true });
  await rename(join(downloadDir, downloaded), cachedCliPath());
  return cachedCliPath();
}

async function buildTemporalCli(log: (line: string) => void): Promise<string> {
  const target = cachedCliPath();
  const go = await onPath('go');
  if (!go) throw new Error('Go is not installed');
  // Build into a private directory and rename: a killed build never leaves half a binary behind,
  // and two builds at once each finish whole.
  const buildDir = join(cacheRoot(), 'temporal-cli', `.build-${process.pid}`);
  await mkdir(buildDir, { recursive: true });
  log(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} from Go modules (first run only; this can take several minutes)...`);
  const started = Date.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: buildDir, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const relay = (d: Buffer) =>
      d
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => log(`  go: ${l}`));
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('error', reject);
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    await rm(buildDir, { recursive: true, force: true });
    throw new Error(`building the Temporal CLI failed (go install exited ${code}); set TEMPORAL_CLI to an existing binary instead`);
  }
  await mkdir(join(target, '..'), { recursive: true });
  await rename(join(buildDir, 'temporal'), target);
  await rm(buildDir, { recursive: true, force: true });
  log(`built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
  return target;
}
