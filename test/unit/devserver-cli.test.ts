import assert from 'node:assert/strict';
import { mkdtemp, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cachedCliPath, findTemporalCli } from '../../src/devserver';

/** Runs `fn` with some environment variables replaced, restoring them after. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (entries: Array<[string, string | undefined]>) => {
    for (const [k, v] of entries) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(Object.entries(vars));
  try {
    return await fn();
  } finally {
    apply(Object.entries(saved));
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

  it('downloads before building, and builds only when the download fails (offline: fails fast)', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'cache-'));
    const calls: string[] = [];
    const offline = async () => {
      calls.push('download');
      throw new Error('temporal.download is not reachable: ENOTFOUND');
    };
    const build = async () => {
      calls.push('build');
      return '/built/temporal';
    };
    const log: string[] = [];
    const env = { TEMPORAL_CLI: undefined, PATH: '/nonexistent', DURABATCH_CACHE_DIR: cache };
    const started = Date.now();
    const built = await withEnv(env, () => findTemporalCli({ download: offline, build, log: (l) => log.push(l) }));
    assert.equal(built, '/built/temporal');
    assert.deepEqual(calls, ['download', 'build'], 'the download is tried first, then the Go build');
    assert.ok(Date.now() - started < 1000, 'no waiting between the two');
    assert.match(
      log.join('\n'),
      /could not download the Temporal CLI \(temporal.download is not reachable: ENOTFOUND\); building it with Go instead/,
    );

    calls.length = 0;
    const online = async () => {
      calls.push('download');
      return '/downloaded/temporal';
    };
    assert.equal(await withEnv(env, () => findTemporalCli({ download: online, build })), '/downloaded/temporal');
    assert.deepEqual(calls, ['download'], 'no build when the download worked');
  });

  it('never downloads or builds when TEMPORAL_CLI, PATH or the cache has one', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'path-'));
    await writeFile(join(bin, 'temporal'), '#!/bin/sh\n');
    await chmod(join(bin, 'temporal'), 0o755);
    const never = async () => assert.fail('must not be called');
    const found = await withEnv({ TEMPORAL_CLI: undefined, PATH: bin }, () => findTemporalCli({ download: never, build: never }));
    assert.equal(found, join(bin, 'temporal'));
  });

  it('when both fail, says what each step found and what to do', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'cache-'));
    await assert.rejects(
      withEnv({ TEMPORAL_CLI: undefined, PATH: '/nonexistent', DURABATCH_CACHE_DIR: cache }, () =>
        findTemporalCli({
          download: async () => Promise.reject(new Error('temporal.download is not reachable: no answer within 5 s')),
          build: async () => Promise.reject(new Error('Go is not installed')),
        }),
      ),
      /neither the download \(temporal.download is not reachable: no answer within 5 s\) nor the build \(Go is not installed\).*Put `temporal` on PATH, or set TEMPORAL_CLI/,
    );
  });

  it('the default build says Go is missing instead of failing obscurely', async () => {
    const cache = await mkdtemp(join(tmpdir(), 'cache-'));
    await assert.rejects(
      withEnv({ TEMPORAL_CLI: undefined, PATH: '/nonexistent', DURABATCH_CACHE_DIR: cache }, () =>
        findTemporalCli({ download: async () => Promise.reject(new Error('offline')) }),
      ),
      /nor the build \(Go is not installed\)/,
    );
  });
});
