/**
 * The activities that poll, cancel and look for batches hand the activity's cancellation signal to
 * the adapter (issue 8): cancelling the activity stops the provider call in flight, and the activity
 * ends as cancelled (not as a provider failure) at once, freeing its worker slot.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAbandonSubmission } from '../../activities/abandon-submission';
import { createCancelBatches } from '../../activities/cancel-batches';
import type { ActivityDeps } from '../../activities/deps';
import { createPollBatches } from '../../activities/poll-batches';
import { DEFAULT_RETRY_ON, type JobRef } from '../../src/job';
import { ProviderRegistry } from '../../src/providers';
import type { ProviderName } from '../../src/types';
import { hangingServer, type HangingServer } from '../helpers/http-stubs';

const PROMPT_MS = 2_000;
const BATCH: Record<ProviderName, string> = { openai: 'batch_1', anthropic: 'msgbatch_1', gemini: 'batches/1' };

let server: HangingServer;
let deps: ActivityDeps;
before(async () => {
  server = await hangingServer();
  // Every provider "lives" at the server that never answers; these activities touch no store or schema.
  deps = { providers: new ProviderRegistry({ emulatorUrl: server.url }), store: undefined as never, schemas: {} };
});
after(() => server.close());

const ref = (provider: ProviderName): JobRef => ({
  jobId: 'j',
  provider,
  model: 'm',
  schemaName: 'User',
  params: {},
  retryOn: DEFAULT_RETRY_ON,
  runId: '0196f00d-aaaa-7bbb-8ccc-123456789abc',
});

const ACTIVITIES: Array<{ name: string; run: (env: MockActivityEnvironment, provider: ProviderName) => Promise<unknown> }> = [
  { name: 'pollBatches', run: (env, p) => env.run(createPollBatches(deps), p, [BATCH[p]]) },
  { name: 'cancelBatches', run: (env, p) => env.run(createCancelBatches(deps), p, [BATCH[p]]) },
  {
    name: 'abandonSubmission',
    run: (env, p) =>
      env.run(createAbandonSubmission(deps), ref(p), {
        attempt: 1,
        index: 0,
        offset: 0,
        size: 1,
        tag: 'j/a1/c0',
        firstTryAtMs: Date.now(),
      }),
  },
];

for (const provider of ['openai', 'anthropic', 'gemini'] as const) {
  describe(`activities stop their ${provider} calls when cancelled`, () => {
    for (const { name, run } of ACTIVITIES) {
      it(`${name}: ends as cancelled at once, its request dropped`, { timeout: 10_000 }, async () => {
        const env = new MockActivityEnvironment();
        const arrived = server.nextRequest();
        const pending = run(env, provider);
        pending.catch(() => undefined); // judged below, after the cancel
        const { dropped } = await arrived;
        const cancelledAt = Date.now();
        env.cancel();
        await assert.rejects(pending, CancelledFailure);
        const took = Date.now() - cancelledAt;
        assert.ok(took < PROMPT_MS, `ended ${took} ms after the cancel`);
        await dropped;
      });
    }
  });
}
