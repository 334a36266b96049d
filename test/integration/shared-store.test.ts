import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Durabatch, JobFailedError, StoreMismatchError } from '../../src/client';
import { openStore } from '../../src/store';
import { killHard, startChildWorker } from '../helpers/child-worker';
import { createTestDatabase } from '../helpers/pg';
import { creations } from '../helpers/providers';
import { testSchemas, User, userRequests } from '../helpers/schemas';
import { FAST_FAULTS, FAST_TIMING, startTestEnv, waitFor, type TestEnv } from '../helpers/test-env';

/**
 * Workers on different hosts share nothing but the store URL: two worker processes with their own
 * working directories and DURABATCH_HOMEs on one PostgreSQL store; one is killed mid-job.
 */
describe('one PostgreSQL store, two workers on "different hosts"', () => {
  let env: TestEnv;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let hosts: string;
  const children: ChildProcess[] = [];
  before(async () => {
    db = await createTestDatabase();
    hosts = await mkdtemp(join(tmpdir(), 'durabatch-hosts-'));
    env = await startTestEnv({ startWorker: false, storeUrl: db.url });
  });
  after(async () => {
    for (const c of children) await killHard(c);
    await env?.close();
    await db?.drop();
    await rm(hosts, { recursive: true, force: true });
  });

  const host = async (name: string) => {
    const dir = await mkdtemp(join(hosts, `${name}-`));
    const child = await startChildWorker(env, {}, { cwd: dir, home: join(dir, '.durabatch') });
    children.push(child);
    return child;
  };

  it('a worker killed mid-job: the other finishes it, re-submitted failures included, every request accounted for', async () => {
    env.emulator.configure({ ...FAST_FAULTS, processingMs: 1500, itemFaults: [{ match: 'item-1*', fault: 'invalid_json', times: 1 }] });
    const a = await host('a');
    const job = await env.durabatch.start({
      jobId: 'shared-pg',
      provider: 'openai',
      model: 'gpt-4o-mini',
      schema: User,
      requests: userRequests(40),
      timing: FAST_TIMING,
    });
    await waitFor('polling', async () => (await job.status()).phase === 'polling');
    await host('b'); // joins while A works, then is the only one left
    await killHard(a);

    const summary = await job.result();
    assert.equal(summary.phase, 'completed');
    assert.deepEqual(summary.counts, { total: 40, succeeded: 40, failed: 0, pending: 0 });
    const results = await job.allResults();
    assert.deepEqual(
      results.map((r) => r.customId),
      userRequests(40).map((r) => r.customId),
      'every request, in request order',
    );
    // item-1, item-10 .. item-19 failed once: attempt 2, planned and submitted after A was gone.
    const retried = results.filter((r) => r.attempts === 2).map((r) => r.customId);
    assert.deepEqual(retried, ['item-1', ...Array.from({ length: 10 }, (_, i) => `item-1${i}`)]);
    assert.ok(results.every((r) => r.ok));
    const { total, duplicates } = creations(env);
    assert.deepEqual([total, duplicates], [2, []], 'one provider batch per attempt');
    assert.match(summary.storeUrl ?? '', /^postgres:\/\/postgres@127\.0\.0\.1:5432\/durabatch_test_/);
  });
});

describe('a worker or client on another store says so instead of reading nothing', () => {
  let env: TestEnv;
  let elsewhere: string;
  const children: ChildProcess[] = [];
  before(async () => {
    env = await startTestEnv({ startWorker: false });
    elsewhere = await mkdtemp(join(tmpdir(), 'durabatch-other-host-'));
  });
  after(async () => {
    for (const c of children) await killHard(c);
    await env?.close();
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('the worker fails the job at its first step, naming the store the job was started with; no provider call', async () => {
    env.emulator.configure(FAST_FAULTS);
    children.push(await startChildWorker(env, {}, { storeUrl: join(elsewhere, 'store') }));
    const job = await env.durabatch.start({
      jobId: 'wrong-store',
      provider: 'openai',
      model: 'gpt-4o-mini',
      schema: User,
      requests: userRequests(3),
      timing: FAST_TIMING,
    });
    await assert.rejects(job.result(), (err: unknown) => {
      assert.ok(err instanceof JobFailedError);
      assert.equal(err.type, 'StoreMismatch');
      assert.ok(err.message.includes(`this job was started with the store ${env.storeUrl}`), err.message);
      assert.ok(err.message.includes(`--store ${env.storeUrl}`), err.message);
      return true;
    });
    assert.equal(env.emulator.stats().batchesCreated, 0);
    await killHard(children.pop()!);
  });

  it('a client on another store refuses to read results rather than print none', async () => {
    await env.startWorker();
    const job = await env.durabatch.start({
      jobId: 'right-store',
      provider: 'openai',
      model: 'gpt-4o-mini',
      schema: User,
      requests: userRequests(3),
      timing: FAST_TIMING,
    });
    await job.result();
    const otherStore = await openStore(join(elsewhere, 'client-store'));
    const stranger = new Durabatch(env.client, { schemas: testSchemas, taskQueue: env.taskQueue, store: otherStore });
    await assert.rejects(stranger.getJob('right-store').allResults(), (err: unknown) => {
      assert.ok(err instanceof StoreMismatchError);
      assert.match(err.message, new RegExp(`started with the job store ${env.storeUrl.replace(/[/\\.]/g, '\\$&')}`));
      return true;
    });
    assert.equal((await job.allResults()).length, 3);
  });
});
