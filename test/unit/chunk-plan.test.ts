import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createPlanAttempt } from '../../activities/plan-attempt';
import { ChunkPlanner, sizesOfPlan, toRuns } from '../../src/chunk-plan';
import { DEFAULT_RETRY_ON, DEFAULT_TIMING, type AttemptPlan, type JobRef, type RequestsRef } from '../../src/job';
import { ProviderRegistry } from '../../src/providers';
import type { JobStore } from '../../src/store';
import { JobChecker } from '../../src/validate-job';
import { writeRequests } from '../../src/write-requests';
import { User, userRequests } from '../helpers/schemas';
import { storeWithRequests } from '../helpers/stored-requests';

const LIMITS = { maxRequests: 3, maxBytes: 100 };

describe('chunk plans', () => {
  it('cut by count and by bytes, and kept as runs of equal sizes', () => {
    const planner = new ChunkPlanner(LIMITS);
    for (const size of [10, 10, 10, 10, 60, 50, 5]) planner.add(size);
    // 3 by count; then 10+60 (a third of 50 would pass 100 bytes); then 50+5.
    assert.deepEqual(planner.finish(), [3, 2, 2]);
    assert.deepEqual(toRuns([3, 3, 3, 2, 2, 1]), [
      [3, 3],
      [2, 2],
      [1, 1],
    ]);
    assert.deepEqual(toRuns([]), []);
  });

  it('a plan made elsewhere stands only if it covers exactly the items within the count limit', () => {
    assert.deepEqual(
      sizesOfPlan(
        [
          [3, 2],
          [1, 1],
        ],
        7,
        LIMITS,
      ),
      [3, 3, 1],
    );
    for (const bad of [
      [[3, 2]], // 6 items, not 7
      [[3, 3]], // 9 items
      [
        [4, 1],
        [3, 1],
      ], // a chunk above maxRequests
      [[0, 7]],
      [[3.5, 2]],
      [
        [3, -1],
        [3, 3],
        [1, 1],
      ],
      [[3, 2, 1]],
      'x',
      undefined,
      [[3, 1e12]], // never expanded beyond the item count
    ]) {
      assert.equal(sizesOfPlan(bad, 7, LIMITS), undefined, JSON.stringify(bad));
    }
  });
});

describe('attempt 1 planned while the requests stream in', () => {
  const job = {
    jobId: 'plan-job',
    provider: 'openai' as const,
    model: 'gpt-4o-mini',
    schemaName: 'User',
    schema: User,
    params: {},
    maxAttempts: 3,
    timing: DEFAULT_TIMING,
  };
  const meta = { provider: 'openai', model: job.model, schemaName: 'User' };
  const refOf = (source: RequestsRef): JobRef => ({
    ...job,
    retryOn: DEFAULT_RETRY_ON,
    runId: '0196f00d-aaaa-7bbb-8ccc-123456789abc',
    source,
  });

  async function plan(store: JobStore, ref: JobRef, attempt = 1): Promise<AttemptPlan> {
    const planAttempt = createPlanAttempt({
      providers: new ProviderRegistry({ emulatorUrl: 'http://127.0.0.1:9' }),
      store,
      schemas: { User },
    });
    return (await new MockActivityEnvironment().run(planAttempt, ref, attempt)) as AttemptPlan;
  }

  it('gives the same chunks as planning from the store, without reading the requests again', async () => {
    const { store } = await storeWithRequests('other', []);
    const requests = userRequests(50_003, 'p').map(({ customId, messages }) => ({ customId, messages }));
    const source = await writeRequests(store, job.jobId, requests, new JobChecker(job), meta);
    assert.deepEqual(source.plan, [
      [50_000, 1],
      [3, 1],
    ]);
    // A store that cannot be read proves the plan was taken as it is.
    const unreadable: JobStore = Object.create(store, {
      readAttemptItems: {
        value: () => {
          throw new Error('read the store');
        },
      },
    });
    assert.deepEqual((await plan(unreadable, refOf(source))).chunkSizes, [50_000, 3]);
    const { plan: _plan, ...withoutPlan } = source;
    assert.deepEqual((await plan(store, refOf(withoutPlan))).chunkSizes, [50_000, 3], 'planned from the store: the same chunks');
    // A plan that does not fit the requests (a reference made by other means) is ignored.
    assert.deepEqual((await plan(store, refOf({ ...source, plan: [[50_003, 1]] }))).chunkSizes, [50_000, 3]);
    await store.close();
  });
});
