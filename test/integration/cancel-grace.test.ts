import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FAST_FAULTS, FAST_TIMING, startTestEnv, waitFor, type TestEnv } from '../helpers/test-env';
import { User, userRequests } from '../helpers/schemas';
import { emulatedBatch } from '../helpers/providers';

/** A cancel the provider never completes must not keep the job open forever. */
describe('a provider batch that does not finish cancelling', () => {
  let env: TestEnv;
  before(async () => {
    env = await startTestEnv();
  });
  after(async () => {
    await env?.close();
  });

  it('ends the job cancelled after cancelGraceMs, every item with an outcome that says why', async () => {
    env.emulator.configure({ ...FAST_FAULTS, processingMs: 10_000, cancellingMs: 120_000 });
    const job = await env.durabatch.start({
      jobId: 'stuck-cancel',
      provider: 'openai',
      model: 'gpt-4o-mini',
      schema: User,
      requests: userRequests(3, 's'),
      timing: { ...FAST_TIMING, cancelGraceMs: 1500 },
    });
    const batchId = await waitFor('a provider batch', async () => (await job.status()).chunks[0]?.batchId);
    await job.cancel('stuck');
    const summary = await job.result();
    assert.equal(summary.phase, 'cancelled');
    assert.deepEqual(summary.counts, { total: 3, succeeded: 0, failed: 3, pending: 0 });
    assert.equal(env.emulator.engine.phase(emulatedBatch(env, batchId)), 'cancelling', 'the provider is still at it');
    const results = await job.allResults();
    assert.equal(results.length, 3);
    for (const r of results) {
      assert.ok(!r.ok && r.error.type === 'cancelled');
      assert.match(r.error.message, /had not finished cancelling after 2 s/);
    }
  });
});
