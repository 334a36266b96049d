import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, beforeEach, describe, it } from 'node:test';
import { killHard, startChildWorker } from '../helpers/child-worker';
import { creations, emulatedBatch, GEMINI_FILE_PROFILE, PROFILES } from '../helpers/providers';
import { User, userRequests } from '../helpers/schemas';
import { FAST_FAULTS, FAST_TIMING, startTestEnv, waitFor, type TestEnv } from '../helpers/test-env';

for (const { label, provider, model, worker: workerConfig } of [...PROFILES, GEMINI_FILE_PROFILE]) {
  describe(`${label}: killing the worker at any moment loses and duplicates nothing`, () => {
    let env: TestEnv;
    const children: ChildProcess[] = [];
    before(async () => {
      env = await startTestEnv({ startWorker: false });
    });
    after(async () => {
      for (const c of children) await killHard(c);
      await env?.close();
    });
    beforeEach(() => {
      env.emulator.reset();
      env.emulator.configure(FAST_FAULTS);
    });

    const worker = async () => {
      const child = await startChildWorker(env, workerConfig);
      children.push(child);
      return child;
    };

    it('a worker killed while the job polls: a new worker finishes it, one provider batch per attempt', async () => {
      env.emulator.configure({ processingMs: 1500, itemFaults: [{ match: 'item-1', fault: 'invalid_json', times: 1 }] });
      const first = await worker();
      const job = await env.durabatch.start({
        jobId: `${provider}-killed-while-polling`,
        provider,
        model,
        schema: User,
        requests: userRequests(5),
        timing: FAST_TIMING,
      });
      await waitFor('polling', async () => (await job.status()).phase === 'polling');
      await killHard(first);
      await new Promise((r) => setTimeout(r, 500));
      await worker();
      const results = await job.allResults();
      assert.equal(results.length, 5);
      assert.ok(results.every((r) => r.ok));
      assert.equal(results.find((r) => r.customId === 'item-1')!.attempts, 2);
      assert.deepEqual(creations(env), { total: 2, duplicates: [] });
    });

    it('a worker killed after the provider created the batch but before it was recorded: the retry finds it', async () => {
      // The emulator registers the batch, then holds the response: the worker dies inside that window.
      env.emulator.configure({ createDelayMs: 5000 });
      const first = await worker();
      const job = await env.durabatch.start({
        jobId: `${provider}-killed-during-create`,
        provider,
        model,
        schema: User,
        requests: userRequests(3),
        timing: FAST_TIMING,
      });
      await waitFor('the provider batch to exist', async () => env.emulator.stats().batchesCreated === 1);
      await killHard(first);
      env.emulator.configure({ createDelayMs: 0 });
      await worker();
      const summary = await job.result();
      assert.equal(summary.counts.succeeded, 3);
      // The new worker's retry found the batch the dead one created: exactly one, and its results are the job's.
      assert.deepEqual(creations(env), { total: 1, duplicates: [] });
      assert.deepEqual(
        (await job.allResults()).map((r) => r.ok),
        [true, true, true],
      );
      if (workerConfig?.gemini) assert.match(String(emulatedBatch(env, summary.chunks[0].batchId!).meta.inputFileName), /^files\//);
    });
  });
}
