import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { ensureDevServer, freePort, startDevServer, stopDetachedDevServer } from '../../src/devserver';

describe('the local Temporal dev server', () => {
  it('registers search attributes and keeps its state in the SQLite file across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devserver-'));
    const dbFilename = join(dir, 'temporal.db');
    try {
      const first = await startDevServer({ dbFilename, searchAttributes: { DurabatchPhase: 'Keyword', DurabatchItems: 'Int' } });
      let connection = await Connection.connect({ address: first.address });
      const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      assert.ok(attrs.customAttributes?.DurabatchPhase, 'DurabatchPhase registered');
      assert.ok(attrs.customAttributes?.DurabatchItems, 'DurabatchItems registered');
      // A workflow nobody works on: it is still there after the restart.
      await new Client({ connection }).workflow.start('nobodyRunsThis', { taskQueue: 'none', workflowId: 'survivor' });
      await connection.close();
      await first.stop();
      assert.throws(() => process.kill(first.pid!, 0), 'the first server process is gone');

      const second = await startDevServer({ dbFilename, port: Number(first.address.split(':')[1]) });
      connection = await Connection.connect({ address: second.address });
      const described = await new Client({ connection }).workflow.getHandle('survivor').describe();
      assert.equal(described.status.name, 'RUNNING');
      await connection.close();
      await second.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the detached server (demo, CLI) has exited when stop returns, so a fresh start on the same directory works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'devserver-detached-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    const ensure = () => ensureDevServer({ address: `127.0.0.1:${port}`, uiPort, dataDir: dir, searchAttributes: {} });
    try {
      const first = await ensure();
      assert.equal(first.reused, false);
      assert.equal((await ensure()).reused, true, 'a running server is reused');
      assert.equal(await stopDetachedDevServer(dir), true);
      assert.throws(() => process.kill(first.pid!, 0), 'the server process is gone when stop returns');
      await rm(dir, { recursive: true, force: true });
      const second = await ensure();
      assert.equal(second.reused, false);
      assert.equal(await stopDetachedDevServer(dir), true);
      assert.equal(await stopDetachedDevServer(dir), false, 'nothing left to stop');
    } finally {
      await stopDetachedDevServer(dir);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
