/**
 * The README's five-minute tour, run as written: every ```sh block of the section, in order, in a
 * shell. The block marked ```sh dev is the first terminal (`durabatch dev`), run in the background
 * and stopped with Ctrl-C (SIGINT) at the end; the others run one after another and must succeed.
 * Two things differ from a person's machine, so that CI never depends on free default ports or on
 * the project's own .durabatch: `durabatch dev` gets free ports appended (`--ui-port`,
 * `--emulator-port`, TEMPORAL_ADDRESS), and everything runs in a temporary directory that holds
 * the tour's example file, with `npx durabatch` resolving to this checkout.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../src/devserver';

const root = join(__dirname, '..', '..');
const SECTION = '## Five-minute tour';

interface Block {
  code: string;
  dev: boolean;
}

/** The fenced shell blocks of the tour section, in order. */
export function tourBlocks(readme: string): Block[] {
  const start = readme.indexOf(`\n${SECTION}\n`);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf('\n## ', start + SECTION.length + 2);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const blocks: Block[] = [];
  for (const m of section.matchAll(/```sh( dev)?\n([\s\S]*?)```/g)) blocks.push({ dev: Boolean(m[1]), code: m[2]! });
  return blocks;
}

function shell(code: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', code], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('close', (exit) => resolve({ code: exit, out }));
  });
}

describe("the README's five-minute tour", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let dev: ChildProcess | undefined;
  let devLog = '';
  let blocks: Block[];

  before(async () => {
    blocks = tourBlocks(await readFile(join(root, 'README.md'), 'utf8'));
    dir = await mkdtemp(join(tmpdir(), 'durabatch-tour-'));
    await mkdir(join(dir, 'examples'));
    await copyFile(join(root, 'examples', 'users.jsonl'), join(dir, 'examples', 'users.jsonl'));
    // `npx durabatch` finds the package's bin where an installed one would be.
    await mkdir(join(dir, 'node_modules', '.bin'), { recursive: true });
    await symlink(join(root, 'bin', 'durabatch.js'), join(dir, 'node_modules', '.bin', 'durabatch'));
    env = { ...process.env, DURABATCH_HOME: join(dir, '.durabatch'), TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, COLUMNS: '80' };
    delete env.DURABATCH_STORE;
  });

  after(async () => {
    if (dev?.pid && dev.exitCode === null && dev.signalCode === null) {
      try {
        process.kill(-dev.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('has a first-terminal block and commands to run', () => {
    assert.equal(blocks.filter((b) => b.dev).length, 1, 'one ```sh dev block');
    assert.ok(blocks.filter((b) => !b.dev).length >= 2);
  });

  it('runs every command of the tour as written', async () => {
    const devBlock = blocks.find((b) => b.dev)!;
    const line = devBlock.code
      .split('\n')
      .find((l) => l.includes('durabatch dev'))!
      .replace(/\s+#.*$/, '');
    const ports = `--ui-port ${await freePort()} --emulator-port ${await freePort()}`;
    // Its own process group, as a terminal's foreground job: Ctrl-C (SIGINT) reaches npx and the CLI alike.
    dev = spawn('bash', ['-c', `exec ${line} ${ports}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    dev.stdout!.on('data', (d: Buffer) => (devLog += d));
    dev.stderr!.on('data', (d: Buffer) => (devLog += d));
    const deadline = Date.now() + 90_000;
    while (!/durabatch dev: running/.test(devLog)) {
      assert.ok(dev.exitCode === null, `durabatch dev exited: ${devLog}`);
      assert.ok(Date.now() < deadline, `durabatch dev did not come up: ${devLog}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    for (const block of blocks.filter((b) => !b.dev)) {
      const result = await shell(block.code, dir, env);
      assert.equal(result.code, 0, `this block failed:\n${block.code}\n--- its output:\n${result.out}`);
    }
    const results = (await readFile(join(dir, 'results.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(results.length, 15, 'one outcome per request of examples/users.jsonl');
    assert.ok(results.every((l) => (JSON.parse(l) as { ok: boolean }).ok));

    const exited = new Promise<[number | null, string | null]>((resolve) => dev!.once('exit', (code, signal) => resolve([code, signal])));
    process.kill(-dev.pid!, 'SIGINT');
    const [code, signal] = await exited;
    // npx itself dies of the SIGINT; the CLI under it stops everything first and says so.
    assert.ok(code === 0 || signal === 'SIGINT', `durabatch dev ended with ${code ?? signal}: ${devLog}`);
    assert.match(devLog, /stopping the worker, the emulator and the dev server[\s\S]*stopped/);
  });
});
