import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { attemptItems } from '../../activities/job-context';
import type { ActivityDeps } from '../../activities';
import { DEFAULT_RETRY_ON, type JobRef } from '../../src/job';
import { FileResultStore, type StoredOutcome } from '../../src/store';
import { User, userRequests } from '../helpers/schemas';

const requests = userRequests(6, 'r').map(({ customId, messages }) => ({ customId, messages }));
const ref: JobRef = { jobId: 'j', provider: 'openai', model: 'm', schemaName: 'User', requests, params: {}, retryOn: DEFAULT_RETRY_ON, runId: 'run' };
const failed = (customId: string, attempt: number): StoredOutcome => ({
  customId, attempt, ok: false, error: { type: 'invalid_json', message: 'x' }, retryable: true,
});
const ok = (customId: string, attempt: number): StoredOutcome => ({ customId, attempt, ok: true, data: {} });

describe('attemptItems', () => {
  it('an attempt\'s items stay the same while its own chunks are fetched, and when a fetch is repeated', async () => {
    const store = new FileResultStore(await mkdtemp(join(tmpdir(), 'attempt-items-')));
    const deps = { store, schemas: { User } } as unknown as ActivityDeps;
    // Attempt 1: r-0 and r-5 succeed, r-1..r-4 fail and may be retried.
    await store.writeChunk('j', 1, 0, [ok('r-0', 1), ...['r-1', 'r-2', 'r-3', 'r-4'].map((id) => failed(id, 1)), ok('r-5', 1)]);
    const ids = async () => (await attemptItems(deps, ref, 2)).map((r) => r.customId);
    const planned = await ids();
    assert.deepEqual(planned, ['r-1', 'r-2', 'r-3', 'r-4']);

    // Attempt 2 runs in two chunks of two; chunk 0's results arrive first.
    await store.writeChunk('j', 2, 0, [ok('r-1', 2), failed('r-2', 2)]);
    assert.deepEqual(await ids(), planned, 'chunk 1 still slices [2, 4) of the same list');
    await store.writeChunk('j', 2, 1, [ok('r-3', 2), ok('r-4', 2)]);
    assert.deepEqual(await ids(), planned, 'a repeated fetch of either chunk sees the same list');

    assert.deepEqual((await attemptItems(deps, ref, 3)).map((r) => r.customId), ['r-2']);
  });
});
