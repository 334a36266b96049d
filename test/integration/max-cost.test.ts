import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/client';
import { CostLimitError, costOfUsage, estimateJobCost, type JobCostEstimate } from '../../src/client';
import { toCanonicalJsonSchema } from '../../src/schema';
import { InvalidJobError } from '../../src/validate-job';
import { RequestDigest } from '../../src/store';
import { FAST_TIMING, startTestEnv, type TestEnv } from '../helpers/test-env';
import { User, USER_REQUESTS, userRequests } from '../helpers/schemas';

function readdirOr(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** `start({ maxCostUsd })`: a job that may cost more is refused before anything runs, and leaves nothing behind. */
describe('maxCostUsd', () => {
  let env: TestEnv;
  before(async () => {
    env = await startTestEnv();
  });
  after(async () => {
    await env?.close();
  });

  const job = { provider: 'openai', model: 'gpt-4o-mini', schema: User, maxTokens: 200, timing: FAST_TIMING } as const;

  async function assertNothingLeft(jobId: string, requests: ReturnType<typeof userRequests>): Promise<void> {
    await assert.rejects(env.client.workflow.getHandle(jobId).describe(), WorkflowNotFoundError, 'no workflow with that ID');
    // The set these requests would have been committed as (the file store names a set by its digest).
    const digest = new RequestDigest();
    for (const r of requests) digest.add(r);
    assert.equal(await env.store.requestSet(jobId, digest.summary().digest.slice(0, 32)), undefined, 'no request set');
    const left = await readdir(env.store.describe(jobId)).catch(() => []);
    assert.deepEqual(
      left.filter((f) => f === 'sets' || f.startsWith('.staging')),
      [],
      `nothing half-written: ${left}`,
    );
    assert.equal(env.emulator.stats().batchesCreated, 0, 'no provider call');
  }

  it('refuses a job over the limit with CostLimitError, after streaming it once, and leaves nothing', async () => {
    const jobId = 'too-dear';
    const requests = userRequests(3000, 'dear');
    // The limit is the bound of the first 2,500 requests: crossed after the first group of 2,000 was written to the store.
    const prices = await env.durabatch.prices();
    const jsonSchema = toCanonicalJsonSchema(User, 'User');
    const first = await estimateJobCost(requests.slice(0, 2500), {
      provider: 'openai',
      model: 'gpt-4o-mini',
      maxTokens: 200,
      prices,
      jsonSchema,
    });
    const limit = first.usd as number;

    let read = 0;
    let midway: string[] = [];
    async function* stream() {
      for (const r of requests) {
        read += 1;
        if (read === 2400) midway = readdirOr(env.store.describe(jobId));
        yield r;
      }
    }
    await assert.rejects(env.durabatch.start({ ...job, jobId, requests: stream(), maxCostUsd: limit }), (err: unknown) => {
      assert.ok(err instanceof CostLimitError, `CostLimitError, got ${err}`);
      assert.equal(err.reason, 'over-limit');
      assert.equal(err.limitUsd, limit);
      assert.equal(err.jobId, jobId);
      assert.equal(err.estimate.requests, 3000, 'the whole job is estimated');
      assert.equal(err.estimate.maxOutputTokens, 3000 * 200);
      assert.ok((err.estimate.usd as number) > limit);
      assert.match(err.message, /job too-dear may cost up to \$\S+, over maxCostUsd \$\S+: 3,000 requests, .*nothing was started/);
      return true;
    });
    assert.equal(read, 3000, 'the requests were read once, to the end');
    assert.ok(
      midway.some((f) => f.startsWith('.staging')),
      `the first group was being written when the limit was crossed: ${midway}`,
    );
    await assertNothingLeft(jobId, requests);
  });

  it('refuses a model without a price, telling the user to supply a price file (and takes one), and a bad limit', async () => {
    const jobId = 'unpriced';
    const requests = userRequests(3, 'unpriced');
    await assert.rejects(env.durabatch.start({ ...job, model: 'gpt-acme-1', jobId, requests, maxCostUsd: 100 }), (err: unknown) => {
      assert.ok(err instanceof CostLimitError);
      assert.equal(err.reason, 'unpriced-model');
      assert.match(err.message, /no price for openai model "gpt-acme-1".*supply a price file/);
      return true;
    });
    // With a price for it (the start's own prices, laid over the client's), the model is estimated: here, over a tiny limit.
    const prices = { openai: { 'gpt-acme': { inputPerMTok: 1000, outputPerMTok: 1000 } } };
    await assert.rejects(
      env.durabatch.start({ ...job, model: 'gpt-acme-1', jobId, requests, maxCostUsd: 0.01, prices }),
      (err: unknown) => {
        assert.ok(err instanceof CostLimitError);
        assert.equal(err.reason, 'over-limit');
        assert.equal(err.estimate.price?.entry, 'gpt-acme');
        return true;
      },
    );
    await assert.rejects(env.durabatch.start({ ...job, jobId, requests, maxCostUsd: -1 }), (err: unknown) => {
      assert.ok(err instanceof InvalidJobError);
      assert.match(err.message, /maxCostUsd must be a number of USD above 0/);
      return true;
    });
    await assertNothingLeft(jobId, requests);
  });

  it('runs a job under the limit; its status prices the usage, within the estimate', async () => {
    let estimate: JobCostEstimate | undefined;
    const handle = await env.durabatch.start({
      ...job,
      jobId: 'cheap',
      requests: USER_REQUESTS,
      maxCostUsd: 0.01,
      onEstimate: (e) => (estimate = e),
    });
    assert.ok(estimate && typeof estimate.usd === 'number' && estimate.usd <= 0.01, 'the estimate was reported before the start');
    const results = await handle.allResults();
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true, true],
    );
    const status = await handle.status();
    assert.equal(status.phase, 'completed');
    assert.ok(status.usage.inputTokens > 0);
    assert.equal(status.estimatedCostUsd, costOfUsage(status.usage, 'openai', 'gpt-4o-mini'));
    assert.ok((status.estimatedCostUsd as number) > 0);
    assert.ok(
      status.usage.inputTokens <= estimate.inputTokens,
      `estimated ${estimate.inputTokens} input tokens, used ${status.usage.inputTokens}`,
    );
    assert.ok((status.estimatedCostUsd as number) <= estimate.usd, 'the bound held');
  });
});
