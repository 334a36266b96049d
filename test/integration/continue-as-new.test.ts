import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { User, userRequests } from '../helpers/schemas';
import { FAST_TIMING, startTestEnv, type TestEnv } from '../helpers/test-env';

/**
 * A long job polls for hours; its history must not grow without bound. Here the server suggests
 * continue-as-new after 40 events, so a job that polls a few seconds crosses into new runs.
 */
describe('a long job continues as new and loses nothing', () => {
  let env: TestEnv;
  before(async () => {
    env = await startTestEnv({ serverArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40'] });
  });
  after(async () => {
    await env?.close();
  });

  it('carries its state across runs: status, signals and results still work', async () => {
    env.emulator.configure({ processingMs: 3000, itemFaults: [{ match: 'item-2', fault: 'invalid_json', times: 1 }] });
    const job = await env.durabatch.start({
      jobId: 'long-job',
      provider: 'openai',
      model: 'gpt-4o-mini',
      schema: User,
      requests: userRequests(4),
      timing: { ...FAST_TIMING, pollInitialMs: 50, pollMaxMs: 50 },
    });
    const summary = await job.result();
    assert.equal(summary.phase, 'completed');
    assert.deepEqual(summary.counts, { total: 4, succeeded: 4, failed: 0, pending: 0 });
    assert.deepEqual(
      summary.chunks.map((c) => [c.attempt, c.items, c.succeeded]),
      [
        [1, 4, 3],
        [2, 1, 1],
      ],
    );
    assert.equal(env.emulator.stats().batchesCreated, 2, 'no batch re-created by a new run');

    const runs = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = "long-job"` })) runs.push(wf.status.name);
    assert.ok(runs.length >= 3, `expected several runs, saw ${runs.length}`);
    assert.equal(runs.filter((s) => s === 'CONTINUED_AS_NEW').length, runs.length - 1);
    assert.deepEqual(
      (await job.allResults()).map((r) => r.attempts),
      [1, 1, 2, 1],
    );
  });
});
