import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createFetchResults, type FetchInput } from '../../activities/fetch-results';
import { DEFAULT_RETRY_ON, type ChunkResultSummary, type JobRef } from '../../src/job';
import type { ProviderRegistry } from '../../src/providers';
import { ForeignBatchError } from '../../src/providers/errors';
import type { ProviderAdapter, RawItemResult } from '../../src/providers/types';
import { isTerminalBatchState } from '../../src/types';
import { User, userRequests } from '../helpers/schemas';
import { latest, storeWithRequests } from '../helpers/stored-requests';

const requests = userRequests(3, 'r').map(({ customId, messages }) => ({ customId, messages }));
const baseRef: JobRef = {
  jobId: 'j',
  provider: 'openai',
  model: 'm',
  schemaName: 'User',
  params: {},
  retryOn: DEFAULT_RETRY_ON,
  runId: '0196f00d-aaaa-7bbb-8ccc-123456789abc',
};
const input = (over: Partial<FetchInput> = {}): FetchInput => ({
  chunk: { attempt: 1, index: 0, offset: 0, size: 3 },
  batchId: 'b1',
  batchState: 'completed',
  ...over,
});
const answer = (customId: string): RawItemResult => ({
  customId,
  kind: 'message',
  finishReason: 'stop',
  text: JSON.stringify({ name: 'A B', age: 3, email: 'a@b.co' }),
});

/** Results as an adapter hands them on, in batches: here one per answer, the finest split there is. */
async function* oneBatchEach(results: AsyncIterable<RawItemResult>): AsyncIterable<RawItemResult[]> {
  for await (const r of results) yield [r];
}

async function fetchWith(results: (chunk: { tag: string }) => AsyncIterable<RawItemResult>, over: Partial<FetchInput> = {}) {
  const { store, source } = await storeWithRequests('j', requests);
  const ref = { ...baseRef, source };
  const adapter = { results: (_id: string, chunk: { tag: string }) => oneBatchEach(results(chunk)) } as unknown as ProviderAdapter;
  const providers = { get: () => adapter } as unknown as ProviderRegistry;
  const fetch = createFetchResults({ providers, store, schemas: { User } });
  const summary = (await new MockActivityEnvironment().run(fetch, ref, input(over))) as ChunkResultSummary;
  return { summary, outcomes: await latest(store, 'j') };
}

describe('fetchResults', () => {
  it('writes one outcome per item: answers validated, missing ones failed by how the batch ended, strays ignored', async () => {
    const { summary, outcomes } = await fetchWith(
      async function* (chunk) {
        assert.equal(chunk.tag, 'j/r123456789abc/a1/c0', 'the adapter is told which submission (job, run, attempt, chunk) it is reading');
        yield answer('r-0');
        yield answer('someone-else');
      },
      { batchState: 'expired' },
    );
    assert.deepEqual(
      outcomes.map((o) => [o.customId, o.ok ? 'ok' : o.error!.type, o.retryable ?? null]),
      [
        ['r-0', 'ok', null],
        ['r-1', 'expired', true],
        ['r-2', 'expired', true],
      ],
    );
    assert.deepEqual(
      { ...summary, usage: undefined },
      {
        succeeded: 1,
        failed: 2,
        retryable: 2,
        usage: undefined,
        finalErrors: {},
        retryableErrors: { expired: 2 },
      },
    );
  });

  it('records nothing from a batch that turns out to be another submission, and re-submits every item', async () => {
    const { outcomes, summary } = await fetchWith(async function* () {
      yield answer('r-0');
      throw new ForeignBatchError('batch b1 holds another submission');
    });
    assert.ok(outcomes.every((o) => !o.ok && o.error!.type === 'provider_error' && o.retryable));
    assert.match(outcomes[0].error!.message, /another submission/);
    assert.equal(summary.retryable, 3);
  });

  it('a never-submitted chunk of a cancelled job ends cancelled, not retried', async () => {
    const { outcomes } = await fetchWith(
      async function* () {
        throw new Error('must not be called');
      },
      { batchId: undefined, batchState: 'unsubmitted' },
    );
    assert.deepEqual(
      outcomes.map((o) => [o.error!.type, o.retryable]),
      [
        ['cancelled', false],
        ['cancelled', false],
        ['cancelled', false],
      ],
    );
  });

  it('other errors fail the activity (Temporal retries it)', async () => {
    await assert.rejects(
      fetchWith(async function* () {
        throw new Error('connection reset');
      }),
      /connection reset/,
    );
  });
});

describe('the normalised state machine', () => {
  it('cancelling is not terminal; completed, failed, expired and cancelled are', () => {
    assert.deepEqual(
      (['validating', 'in_progress', 'finalizing', 'cancelling', 'completed', 'failed', 'expired', 'cancelled'] as const).map(
        isTerminalBatchState,
      ),
      [false, false, false, false, true, true, true, true],
    );
  });
});

describe('usage accounting', () => {
  it('counts the tokens of answers that failed validation: they were billed', async () => {
    const { summary } = await fetchWith(async function* () {
      yield { ...answer('r-0'), usage: { inputTokens: 10, outputTokens: 5 } };
      yield { customId: 'r-1', kind: 'message', finishReason: 'stop', text: 'not json', usage: { inputTokens: 7, outputTokens: 3 } };
      yield { customId: 'r-2', kind: 'message', finishReason: 'length', text: '{"na', usage: { inputTokens: 1, outputTokens: 150 } };
    });
    assert.deepEqual(summary.usage, { inputTokens: 18, outputTokens: 158 });
    assert.equal(summary.succeeded, 1);
  });
});

describe('writes while reading on', () => {
  it('a failed store write fails the fetch, even if the stream fails later too, and nothing is committed', async () => {
    const many = userRequests(2_500, 'w').map(({ customId, messages }) => ({ customId, messages }));
    const { store, source } = await storeWithRequests('w', many);
    let aborted = 0;
    const failing = {
      ...store,
      describe: (jobId: string) => store.describe(jobId),
      readAttemptIds: store.readAttemptIds.bind(store),
      readLatestOutcomes: store.readLatestOutcomes.bind(store),
      openOutcomeWriter: async () => ({
        write: async (o: unknown[]) => (o.length ? Promise.reject(new Error('disk full')) : undefined),
        commit: async () => assert.fail('must not commit'),
        abort: async () => void aborted++,
      }),
    } as unknown as typeof store;
    const adapter = {
      async *results() {
        yield many.slice(0, 1_500).map((r) => answer(r.customId));
        throw new Error('connection reset');
      },
    } as unknown as ProviderAdapter;
    const fetch = createFetchResults({
      providers: { get: () => adapter } as unknown as ProviderRegistry,
      store: failing,
      schemas: { User },
    });
    await assert.rejects(
      new MockActivityEnvironment().run(
        fetch,
        { ...baseRef, jobId: 'w', source },
        input({ chunk: { attempt: 1, index: 0, offset: 0, size: many.length } }),
      ),
      /disk full/,
    );
    assert.equal(aborted, 1);
  });
});
