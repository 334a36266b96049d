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

/**
 * The `temporal` CLI: $TEMPORAL_CLI, else one on PATH, else the cached build, else built now
 * with `go install` into the cache (outside the repo), else (no Go) the SDK's own download.
 */
export async function findTemporalCli(opts: { log?: (line: string) => void } = {}): Promise<string> {
  const log = opts.log ?? (() => undefined);
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (await isExecutable(fromEnv)) return fromEnv;
    throw new Error(`TEMPORAL_CLI is set to ${fromEnv}, which is not an executable file`);
  }
  const found = (await onPath('temporal')) ?? ((await isExecutable(cachedCliPath())) ? cachedCliPath() : undefined);
  if (found) return found;
  if (await onPath('go')) return buildTemporalCli(log);
  return downloadWithSdk(log);
}

/**
 * No Go: let the Temporal SDK download its pinned CLI (needs internet) into our cache, by starting
 * and stopping a throw-away dev server, then keep the binary where findTemporalCli looks.
 */
async function downloadWithSdk(log: (line: string) => void): Promise<string> {
  const downloadDir = join(cacheRoot(), 'temporal-cli', 'sdk-download');
  await mkdir(downloadDir, { recursive: true });
  log('Go is not installed: downloading the Temporal CLI through the Temporal SDK...');
  try {
    // Loaded only here: the testing package is heavy and only this fallback needs it.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'cached-download', downloadDir } } });
    await env.teardown();
  } catch (err) {
    throw new Error(
      `the Temporal CLI was not found, Go is not installed to build it, and the SDK could not download it (${(err as Error).message}). ` +
        'Install Go >= 1.25, or put `temporal` on PATH, or set TEMPORAL_CLI to its path (https://docs.temporal.io/cli)',
    );
  }
  const downloaded = (await readdir(downloadDir)).find((name) => name.startsWith('temporal-cli'));
  if (!downloaded) throw new Error(`the SDK reported a download but no temporal-cli binary is in ${downloadDir}`);
  await mkdir(join(cachedCliPath(), '..'), { recursive: true });
  await rename(join(downloadDir, downloaded), cachedCliPath());
  return cachedCliPath();
}

async function buildTemporalCli(log: (line: string) => void): Promise<string> {
  const target = cachedCliPath();
  const go = (await onPath('go'))!;
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
    const relay = (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => log(`  go: ${l}`));
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
