import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { User, userRequests } from '../helpers/schemas';
import { creations, emulatedBatch } from '../helpers/providers';
import { FAST_FAULTS, FAST_TIMING, startTestEnv, waitFor, type TestEnv } from '../helpers/test-env';

/** The failure policy's rows that are not per provider: what status says while things go wrong, and cancels that reach every state. */
describe('failure policy: status tells the truth, cancel reaches every state', () => {
  let env: TestEnv;
  before(async () => {
    env = await startTestEnv({ startWorker: false });
  });
  after(async () => {
    await env?.close();
  });
  beforeEach(() => {
    env.emulator.reset();
    env.emulator.configure(FAST_FAULTS);
  });

  const start = (jobId: string, extra: Record<string, unknown> = {}) =>
    env.durabatch.start({
      jobId,
      provider: 'openai',
      model: 'gpt-4o-mini',
      schema: User,
      requests: userRequests(3),
      timing: FAST_TIMING,
      ...extra,
    });

  it('with no worker polling, status answers at once from Temporal and says so; a worker then runs the job', async () => {
    const job = await start('no-worker-yet');
    const t0 = Date.now();
    const status = await job.status();
    assert.ok(Date.now() - t0 < 3000, 'no query timeout');
    assert.equal(status.phase, 'validating');
    assert.equal(status.counts.total, 3);
    assert.equal(status.provider, 'openai');
    assert.match(status.note ?? '', new RegExp(`no worker is polling task queue ${env.taskQueue}`));
    await env.startWorker();
    assert.equal((await job.result()).counts.succeeded, 3);
  });

  it('a step that keeps failing shows its last error, its try and when the next is due', async () => {
    env.emulator.configure({ processingMs: 4000 });
    const job = await start('shows-troubles');
    await waitFor('polling', async () => (await job.status()).phase === 'polling');
    env.emulator.configure({ httpErrors: { status: 401, count: 4 } });
    const troubled = await waitFor('a trouble in status', async () => (await job.status()).troubles?.[0], 15_000);
    assert.equal(troubled.activity, 'pollBatches');
    assert.ok(troubled.attempt >= 2);
    assert.match(troubled.lastFailure, /the provider rejected the API key \(HTTP 401\)/);
    assert.ok(troubled.nextRetryAt === undefined || !Number.isNaN(Date.parse(troubled.nextRetryAt)));
    assert.equal((await job.result()).counts.succeeded, 3);
  });

  it('a Temporal cancel reaches a job whose creates keep failing; it ends Cancelled with every item cancelled', async () => {
    env.emulator.configure({ createErrors: 1_000_000 });
    const job = await start('creates-fail-temporal-cancel');
    await waitFor('submitting', async () => (await job.status()).phase === 'submitting');
    await new Promise((r) => setTimeout(r, 1200));
    await env.client.workflow.getHandle(job.jobId).cancel();
    const results = await job.allResults();
    assert.deepEqual(
      results.map((r) => (r.ok ? 'ok' : r.error.type)),
      ['cancelled', 'cancelled', 'cancelled'],
    );
    assert.equal((await env.client.workflow.getHandle(job.jobId).describe()).status.name, 'CANCELLED');
    assert.equal(creations(env).total, 0);
  });

  it('a stalled results download fails by heartbeat timeout and is retried; the job completes with one batch', async () => {
    env.emulator.configure({ stallDownloads: 1 });
    const job = await start('stalled-download', { requests: userRequests(40) });
    const t0 = Date.now();
    const summary = await job.result();
    assert.deepEqual(summary.counts, { total: 40, succeeded: 40, failed: 0, pending: 0 });
    assert.equal(env.emulator.engine.faults.stallDownloads, 0, 'the stall happened');
    assert.ok(Date.now() - t0 >= FAST_TIMING.heartbeatTimeoutMs!, 'waited for the heartbeat timeout');
    assert.deepEqual(creations(env), { total: 1, duplicates: [] });
  });

  it('a submit stopped by the cancel while its create was in flight: the batch it made is found by its tag and cancelled', async () => {
    env.emulator.configure({ createDelayMs: 4000, processingMs: 10_000 });
    const job = await start('abandoned-submit');
    await waitFor('the create registered at the provider', async () => creations(env).total === 1, 10_000);
    await job.cancel('stop the submit');
    const summary = await job.result();
    assert.equal(summary.phase, 'cancelled');
    const chunk = summary.chunks[0]!;
    assert.ok(chunk.batchId, 'the batch the stopped submit made is on record');
    assert.ok(['cancelling', 'cancelled'].includes(env.emulator.engine.phase(emulatedBatch(env, chunk.batchId))));
    assert.deepEqual(
      (await job.allResults()).map((r) => (r.ok ? 'ok' : r.error.type)),
      ['cancelled', 'cancelled', 'cancelled'],
    );
    assert.deepEqual(creations(env), { total: 1, duplicates: [] });
    const history = await env.client.workflow.getHandle(job.jobId).fetchHistory();
    const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    assert.ok(scheduled.includes('abandonSubmission'), `the stopped submit's batch was looked for: ${scheduled.join(', ')}`);
  });
});
