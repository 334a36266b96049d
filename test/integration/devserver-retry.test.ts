/**
 * A dev server that exits before serving (its port was taken between being found free and being
 * bound) is started again on a new port, unless the caller chose the port. The `temporal` CLI here
 * is a wrapper that fails its first start, then runs the real CLI.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findTemporalCli, freePort, startDevServer } from '../../src/devserver';

describe('starting a dev server', () => {
  let dir: string;
  let realCli: string;
  const saved = process.env.TEMPORAL_CLI;

  before(async () => {
    realCli = await findTemporalCli();
    dir = await mkdtemp(join(tmpdir(), 'durabatch-devserver-retry-'));
    const wrapper = join(dir, 'temporal');
    await writeFile(
      wrapper,
      `#!/usr/bin/env bash\nif [ ! -e "${dir}/failed-once" ]; then touch "${dir}/failed-once"; echo "bind: address already in use" >&2; exit 2; fi\nexec "${realCli}" "$@"\n`,
    );
    await chmod(wrapper, 0o755);
    process.env.TEMPORAL_CLI = wrapper;
  });
  after(async () => {
    process.env.TEMPORAL_CLI = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('tries a new port when the server exits before serving', async () => {
    const lines: string[] = [];
    const server = await startDevServer({ log: (l) => lines.push(l) });
    try {
      assert.ok(
        lines.some((l) => /exited \(code 2\) before serving.*trying another port/.test(l)),
        lines.join('\n'),
      );
    } finally {
      await server.stop();
    }
  });

  it('does not when the port was given: the caller chose it', async () => {
    await rm(join(dir, 'failed-once'), { force: true });
    await assert.rejects(startDevServer({ port: await freePort() }), /exited \(code 2\) before serving/);
  });
});
