import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { JobIdInUseError } from '../../src/client';
import { FAST_FAULTS, FAST_TIMING, startTestEnv, type TestEnv } from '../helpers/test-env';
import { User, USER_REQUESTS } from '../helpers/schemas';
import { creations } from '../helpers/providers';

/** A job ID names one job: a repeated start never runs it twice, and never mixes two jobs. */
describe('job IDs', () => {
  let env: TestEnv;
  before(async () => {
    env = await startTestEnv();
  });
  after(async () => {
    await env?.close();
  });
  beforeEach(() => {
    env.emulator.reset();
    env.emulator.configure(FAST_FAULTS);
  });

  const start = (jobId: string, requests = USER_REQUESTS) =>
    env.durabatch.start({ jobId, provider: 'openai', model: 'gpt-4o-mini', schema: User, requests, timing: FAST_TIMING });

  it('starting the same job again returns it, while it runs and after it finished: one provider batch', async () => {
    env.emulator.configure({ processingMs: 1500 });
    const first = await start('same-job');
    const again = await start('same-job');
    assert.equal(again.jobId, first.jobId);
    const results = await again.allResults();
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true, true],
    );

    const afterEnd = await start('same-job');
    assert.deepEqual(await afterEnd.allResults(), results);
    assert.equal((await afterEnd.status()).phase, 'completed');
    assert.deepEqual(creations(env), { total: 1, duplicates: [] });
  });

  it('refuses a different job under a used ID, running or finished, and leaves the first job alone', async () => {
    env.emulator.configure({ processingMs: 1500 });
    const first = await start('taken-id');
    const other = [USER_REQUESTS[1]];
    await assert.rejects(start('taken-id', other), (err: unknown) => {
      assert.ok(err instanceof JobIdInUseError, `JobIdInUseError, got ${err}`);
      assert.match(err.message, /job ID "taken-id" already names a different job \(running, started .*\): choose another jobId/);
      return true;
    });
    assert.equal((await first.allResults()).length, 3);
    await assert.rejects(start('taken-id', other), /already names a different job \(completed/);
    assert.deepEqual(creations(env), { total: 1, duplicates: [] });
  });
});
