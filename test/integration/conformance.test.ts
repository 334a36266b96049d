import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { JobFailedError } from '../../src/client';
import type { JobPhase } from '../../src/job';
import { FAST_FAULTS, FAST_TIMING, startTestEnv, waitFor, type TestEnv } from '../helpers/test-env';
import { User, USER_REQUESTS, userRequests } from '../helpers/schemas';
import { creations, emulatedBatch, GEMINI_FILE_PROFILE, PROFILES } from '../helpers/providers';

/**
 * The provider conformance suite: every adapter, through the same workflow on a real Temporal dev
 * server, against the emulator with the official SDK. Differences allowed are in PROFILES.
 */
for (const profile of [...PROFILES, GEMINI_FILE_PROFILE]) {
  const { provider } = profile;
  describe(`${profile.label}: batch jobs on a real Temporal dev server`, () => {
    let env: TestEnv;
    before(async () => {
      env = await startTestEnv({ providers: profile.worker });
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
        jobId: `${provider}-${jobId}`,
        provider,
        model: profile.model,
        schema: User,
        requests: USER_REQUESTS,
        maxTokens: 150,
        temperature: 0.1,
        timing: FAST_TIMING,
        ...extra,
      });

    it('runs the example end to end: three typed users', async () => {
      const job = await start('example');
      const results = await job.allResults();
      assert.deepEqual(
        results.map((r) => (r.ok ? r.data : r.error)),
        [
          { name: 'John Doe', age: 25, email: 'john@example.com' },
          { name: 'Jane Smith', age: 30, email: 'jane.smith@company.com' },
          { name: 'Bob Wilson', age: 28, email: 'bob.wilson@email.com' },
        ],
      );
      assert.deepEqual(
        results.map((r) => r.customId),
        ['request-0', 'request-1', 'request-2'],
      );
      assert.ok(results.every((r) => r.ok && r.attempts === 1 && r.usage && r.usage.outputTokens > 0));
      const summary = await job.result();
      assert.equal(summary.phase, 'completed');
      assert.deepEqual(summary.counts, { total: 3, succeeded: 3, failed: 0, pending: 0 });
      assert.equal(summary.chunks.length, 1);
      assert.match(summary.chunks[0].batchId!, profile.batchId);
      if (profile.worker?.gemini) {
        assert.match(
          String(emulatedBatch(env, summary.chunks[0].batchId!).meta.inputFileName),
          /^files\//,
          'the requests went up as a file',
        );
      }
      assert.deepEqual(creations(env), { total: 1, duplicates: [] });
    });

    it('re-submits failed items as new provider batches until they succeed', async () => {
      env.emulator.configure({
        itemFaults: [
          { match: 'flaky-json-*', fault: 'invalid_json', times: 1 },
          { match: 'flaky-error-*', fault: 'error', times: 2 },
          { match: 'flaky-schema-*', fault: 'schema_mismatch', times: 1 },
        ],
      });
      const requests = [
        ...userRequests(3, 'ok'),
        ...userRequests(2, 'flaky-json'),
        ...userRequests(2, 'flaky-error'),
        ...userRequests(1, 'flaky-schema'),
      ];
      const job = await start('retry-until-success', { requests, maxAttempts: 3 });
      const results = await job.allResults();
      assert.equal(results.length, 8);
      assert.ok(
        results.every((r) => r.ok),
        JSON.stringify(results.filter((r) => !r.ok)),
      );
      const attempts = Object.fromEntries(results.map((r) => [r.customId, r.attempts]));
      assert.deepEqual(attempts, {
        'ok-0': 1,
        'ok-1': 1,
        'ok-2': 1,
        'flaky-json-0': 2,
        'flaky-json-1': 2,
        'flaky-error-0': 3,
        'flaky-error-1': 3,
        'flaky-schema-0': 2,
      });
      // One provider batch per attempt, each holding only that attempt's items.
      assert.deepEqual(creations(env), { total: 3, duplicates: [] });
      const summary = await job.result();
      assert.deepEqual(
        summary.chunks.map((c) => [c.attempt, c.items, c.succeeded]),
        [
          [1, 8, 3],
          [2, 5, 3],
          [3, 2, 2],
        ],
      );
      assert.deepEqual(summary.counts, { total: 8, succeeded: 8, failed: 0, pending: 0 });
    });

    it('ends items that never succeed as typed errors with their attempt count', async () => {
      env.emulator.configure({
        itemFaults: [
          { match: 'never-schema', fault: 'schema_mismatch' },
          { match: 'never-error', fault: 'error' },
          { match: 'refused', fault: 'refusal' },
          { match: 'cut', fault: 'truncated' },
        ],
      });
      const requests = [
        ...userRequests(1, 'fine'),
        { customId: 'never-schema', messages: USER_REQUESTS[0] },
        { customId: 'never-error', messages: USER_REQUESTS[1] },
        { customId: 'refused', messages: USER_REQUESTS[2] },
        { customId: 'cut', messages: USER_REQUESTS[0] },
      ];
      const job = await start('never-succeed', { requests, maxAttempts: 2 });
      const byId = Object.fromEntries((await job.allResults()).map((r) => [r.customId, r]));
      assert.equal(byId['fine-0'].ok, true);
      const failure = (id: string) => {
        const r = byId[id];
        assert.ok(r && !r.ok, `${id} should have failed`);
        return { type: r.error.type, attempts: r.attempts };
      };
      assert.deepEqual(failure('never-schema'), { type: 'schema_mismatch', attempts: 2 });
      assert.deepEqual(failure('never-error'), { type: 'provider_error', attempts: 2 });
      // Refusals are not re-submitted by default: the same prompt is refused again.
      assert.deepEqual(failure('refused'), { type: 'refusal', attempts: 1 });
      assert.deepEqual(failure('cut'), { type: 'truncated', attempts: 2 });
      const summary = await job.result();
      assert.deepEqual(summary.counts, { total: 5, succeeded: 1, failed: 4, pending: 0 });
      assert.deepEqual(summary.errorsByType, { schema_mismatch: 1, provider_error: 1, refusal: 1, truncated: 1 });
    });

    it('retries expired and failed batches as new attempts', async () => {
      env.emulator.configure({ expire: true });
      const job = await start('expired-then-ok', { requests: userRequests(4, 'e') });
      // Faults are fixed when a batch is created: only the first attempt's batch expires.
      await waitFor('the first provider batch', async () => env.emulator.stats().batchesCreated === 1);
      env.emulator.configure({ expire: false });
      const results = await job.allResults();
      assert.ok(results.every((r) => r.ok));
      const attempts = results.map((r) => r.attempts);
      if (profile.expiryKeepsFinished) {
        // Items finished before expiry are kept (attempt 1); the expired rest ran again (attempt 2).
        assert.ok(attempts[0] === 1 && attempts.at(-1) === 2, `attempts ${attempts}`);
        assert.deepEqual(attempts, [...attempts].sort(), `finished items come first: ${attempts}`);
      } else {
        assert.deepEqual(attempts, [2, 2, 2, 2]);
      }

      env.emulator.configure({ batchFailure: true });
      const failing = await start('failed-batch', { requests: userRequests(2, 'f'), maxAttempts: 2 });
      const failed = await failing.allResults();
      const type = profile.batchFailureType;
      assert.deepEqual(
        failed.map((r) => (r.ok ? 'ok' : `${r.error.type}@${r.attempts}`)),
        [`${type}@2`, `${type}@2`],
      );
      assert.deepEqual(creations(env), { total: 4, duplicates: [] }, 'one batch per attempt of each job');
    });

    it('cancels while polling: provider batch cancelled, finished items kept, the rest cancelled', async () => {
      env.emulator.configure({ processingMs: 4000 });
      const job = await start('cancel-mid', { requests: userRequests(10, 'c') });
      await waitFor('polling with progress', async () => {
        const s = await job.status();
        return (
          s.phase === 'polling' && s.chunks[0]?.batchId && env.emulator.engine.progress(emulatedBatch(env, s.chunks[0].batchId)).done >= 4
        );
      });
      await job.cancel('test');
      const summary = await job.result();
      assert.equal(summary.phase, 'cancelled');
      assert.equal(summary.chunks[0].state, 'cancelled');
      const results = await job.allResults();
      assert.equal(results.length, 10);
      const ok = results.filter((r) => r.ok).length;
      const cancelled = results.filter((r) => !r.ok && r.error.type === 'cancelled').length;
      assert.ok(ok >= 3 && ok < 10, `finished items kept (${ok})`);
      assert.equal(ok + cancelled, 10);
      assert.deepEqual(summary.counts, { total: 10, succeeded: ok, failed: cancelled, pending: 0 });
      assert.equal(env.emulator.engine.phase(emulatedBatch(env, summary.chunks[0].batchId!)), 'cancelled');
      assert.deepEqual(creations(env), { total: 1, duplicates: [] });
    });

    it('a cancel before anything was submitted still gives every request an outcome', async () => {
      const job = await start('cancel-at-once', { requests: userRequests(3, 'z') });
      await job.cancel('changed my mind');
      const summary = await job.result();
      assert.equal(summary.phase, 'cancelled');
      assert.deepEqual(summary.counts, { total: 3, succeeded: 0, failed: 3, pending: 0 });
      const results = await job.allResults();
      assert.deepEqual(
        results.map((r) => [r.customId, r.ok ? 'ok' : r.error.type]),
        [
          ['z-0', 'cancelled'],
          ['z-1', 'cancelled'],
          ['z-2', 'cancelled'],
        ],
      );
      assert.equal(env.emulator.stats().batchesCreated, 0, 'nothing reached the provider');
    });

    it('Temporal workflow cancellation does the same clean-up', async () => {
      env.emulator.configure({ processingMs: 4000 });
      const job = await start('temporal-cancel', { requests: userRequests(4, 't') });
      const batchId = await waitFor('a provider batch', async () => (await job.status()).chunks[0]?.batchId);
      await env.client.workflow.getHandle(job.jobId).cancel();
      const results = await job.allResults();
      assert.equal(results.length, 4);
      assert.ok(results.some((r) => !r.ok && r.error.type === 'cancelled'));
      assert.equal(env.emulator.engine.phase(emulatedBatch(env, batchId)), 'cancelled');
      const description = await env.client.workflow.getHandle(job.jobId).describe();
      assert.equal(description.status.name, 'CANCELLED');
      assert.deepEqual(creations(env), { total: 1, duplicates: [] });
    });

    it('answers status at each phase', async () => {
      env.emulator.configure({ createDelayMs: 600, processingMs: 800 });
      const job = await start('status-phases', { requests: userRequests(3, 's') });
      const seen = new Set<JobPhase>();
      let withBatch;
      for (;;) {
        const s = await job.status();
        seen.add(s.phase);
        assert.equal(s.counts.total, 3);
        assert.equal(s.counts.succeeded + s.counts.failed + s.counts.pending, 3);
        if (s.chunks[0]?.batchId && s.phase === 'polling') withBatch = s;
        if (s.phase === 'completed') break;
        await new Promise((r) => setTimeout(r, 40));
      }
      for (const phase of ['submitting', 'polling', 'completed'] as const) assert.ok(seen.has(phase), `saw ${[...seen]}`);
      assert.ok(withBatch, 'a polling status names its provider batch');
      assert.equal(withBatch.provider, provider);
      assert.ok(['validating', 'in_progress', 'finalizing', 'completed'].includes(withBatch.chunks[0].state));
      const final = await job.status();
      assert.deepEqual(final.counts, { total: 3, succeeded: 3, failed: 0, pending: 0 });
      assert.ok(final.usage.inputTokens > 0);
      assert.deepEqual(creations(env), { total: 1, duplicates: [] });
    });

    it("ends a job for a model that does not exist with the provider's reason, never retried blindly", async () => {
      env.emulator.configure({ unknownModels: ['no-such-model'] });
      const job = await start('unknown-model', { model: 'no-such-model', maxAttempts: 2 });
      if (profile.unknownModel === 'job fails') {
        await assert.rejects(job.result(), (err: unknown) => {
          assert.ok(err instanceof JobFailedError, String(err));
          assert.equal(err.type, 'ProviderRejected');
          assert.match(err.message, /the provider rejected the request \(HTTP 404\).*no-such-model is not found/);
          return true;
        });
        assert.equal(creations(env).total, 0);
        // A failed job's results still come out: every item says why, then the failure itself.
        const seen: string[] = [];
        await assert.rejects(async () => {
          for await (const r of job.results()) seen.push(r.ok ? 'ok' : r.error.type);
        }, /job .* failed: the provider rejected the request \(HTTP 404\)/);
        assert.deepEqual(seen, ['batch_failed', 'batch_failed', 'batch_failed']);
        return;
      }
      const results = await job.allResults();
      const { items, attempts } = profile.unknownModel;
      assert.deepEqual(
        results.map((r) => (r.ok ? 'ok' : `${r.error.type}@${r.attempts}`)),
        Array(3).fill(`${items}@${attempts}`),
      );
      for (const r of results) assert.match(r.ok ? '' : r.error.message, /no-such-model/);
    });

    it('waits out a key revoked for a while mid-poll, showing why, and completes', async () => {
      env.emulator.configure({ processingMs: 3000 });
      const job = await start('key-revoked', { requests: userRequests(3, 'k') });
      await waitFor('polling a provider batch', async () => {
        const s = await job.status();
        return s.phase === 'polling' && s.chunks[0]?.batchId;
      });
      env.emulator.configure({ httpErrors: { status: 401, count: 2 } });
      const summary = await job.result();
      assert.deepEqual(summary.counts, { total: 3, succeeded: 3, failed: 0, pending: 0 });
      assert.deepEqual(creations(env), { total: 1, duplicates: [] });
    });

    it('a key that stays revoked past the retry deadline: the job ends, every item accounted for, the batch asked to cancel', async () => {
      env.emulator.configure({ processingMs: 3000 });
      const job = await start('key-gone', { requests: userRequests(3, 'g'), timing: { ...FAST_TIMING, retryDeadlineMs: 3000 } });
      await waitFor('polling a provider batch', async () => {
        const s = await job.status();
        return s.phase === 'polling' && s.chunks[0]?.batchId;
      });
      env.emulator.configure({ httpErrors: { status: 401, count: 1_000_000 } });
      const summary = await job.result();
      assert.equal(summary.phase, 'completed');
      assert.deepEqual(summary.counts, { total: 3, succeeded: 0, failed: 3, pending: 0 });
      env.emulator.configure({ httpErrors: { status: 401, count: 0 } });
      const results = await job.allResults();
      assert.deepEqual(
        results.map((r) => (r.ok ? 'ok' : `${r.error.type}@${r.attempts}`)),
        Array(3).fill('provider_error@1'),
      );
      for (const r of results) assert.match(r.ok ? '' : r.error.message, /did not answer polls within the retry deadline.*HTTP 401/);
      assert.deepEqual(creations(env), { total: 1, duplicates: [] });
    });

    it('a provider that refuses every create: the cancel signal still ends the job, nothing created', async () => {
      env.emulator.configure({ createErrors: 1_000_000 });
      const job = await start('creates-fail-cancel');
      await waitFor('submitting', async () => (await job.status()).phase === 'submitting');
      await new Promise((r) => setTimeout(r, 1500)); // a few failed creates
      await job.cancel('creates keep failing');
      const summary = await job.result();
      assert.equal(summary.phase, 'cancelled');
      const results = await job.allResults();
      assert.deepEqual(
        results.map((r) => (r.ok ? 'ok' : r.error.type)),
        ['cancelled', 'cancelled', 'cancelled'],
      );
      assert.equal(creations(env).total, 0);
    });

    it('a provider that refuses every create: retries run out, items end as provider errors after every attempt', async () => {
      env.emulator.configure({ createErrors: 1_000_000 });
      const job = await start('creates-fail-deadline', { maxAttempts: 2, timing: { ...FAST_TIMING, retryDeadlineMs: 2500 } });
      const summary = await job.result();
      assert.equal(summary.phase, 'completed');
      const results = await job.allResults();
      assert.deepEqual(
        results.map((r) => (r.ok ? 'ok' : `${r.error.type}@${r.attempts}`)),
        Array(3).fill('provider_error@2'),
      );
      for (const r of results) assert.match(r.ok ? '' : r.error.message, /could not be created/);
      assert.equal(creations(env).total, 0);
    });

    it('rides out 429 and 500 responses from the provider', async () => {
      env.emulator.configure({ httpErrors: { status: 429, count: 3 } });
      const job = await start('rate-limited');
      assert.equal((await job.result()).counts.succeeded, 3);
      env.emulator.configure({ httpErrors: { status: 500, count: 4 } });
      const job2 = await start('server-errors');
      assert.equal((await job2.result()).counts.succeeded, 3);
      assert.deepEqual(creations(env), { total: 2, duplicates: [] });
    });
  });
}
