import assert from 'node:assert/strict';
import { mkdtemp, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cachedCliPath, findTemporalCli } from '../../src/devserver';

/** Runs `fn` with some environment variables replaced, restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

describe('finding the temporal CLI', () => {
  it('uses TEMPORAL_CLI, and says so plainly when it is wrong', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cli-'));
    const exe = join(dir, 'temporal');
    await writeFile(exe, '#!/bin/sh\n');
    await chmod(exe, 0o755);
    assert.equal(await withEnv({ TEMPORAL_CLI: exe }, () => findTemporalCli()), exe);
    await assert.rejects(
      withEnv({ TEMPORAL_CLI: join(dir, 'missing') }, () => findTemporalCli()),
      /TEMPORAL_CLI is set to .*missing, which is not an executable file/,
    );
  });

  it('prefers a temporal on PATH, then the cached build', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'path-'));
    await writeFile(join(bin, 'temporal'), '#!/bin/sh\n');
    await chmod(join(bin, 'temporal'), 0o755);
    const cache = await mkdtemp(join(tmpdir(), 'cache-'));
    const found = await withEnv({ TEMPORAL_CLI: undefined, PATH: bin, DURABATCH_CACHE_DIR: cache }, () => findTemporalCli());
    assert.equal(found, join(bin, 'temporal'));
    const cached = await withEnv({ TEMPORAL_CLI: undefined, PATH: '/nonexistent', DURABATCH_CACHE_DIR: cache }, async () => {
      await mkdir(join(cachedCliPath(), '..'), { recursive: true });
      await writeFile(cachedCliPath(), '#!/bin/sh\n');
      await chmod(cachedCliPath(), 0o755);
      return { found: await findTemporalCli(), expected: cachedCliPath() };
    });
    assert.equal(cached.found, cached.expected);
  });

  it('without Go and without a download, tells the person what to do', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'cache-'));
    await assert.rejects(
      withEnv({ TEMPORAL_CLI: undefined, PATH: '/nonexistent', DURABATCH_CACHE_DIR: cache }, () => findTemporalCli()),
      /Go is not installed to build it, and the SDK could not download it .*Install Go >= 1.25, or put `temporal` on PATH, or set TEMPORAL_CLI/,
    );
  });
});
