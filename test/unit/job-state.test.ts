import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RETRY_ON, DEFAULT_TIMING, type ChunkState, type JobInput } from '../../src/job';
import { counts, finalErrorsByType, initialState, retreatFromUnsubmittedAttempt } from '../../workflows/job-state';

const input: JobInput = {
  jobId: 'j',
  provider: 'openai',
  model: 'm',
  schemaName: 'S',
  params: {},
  maxAttempts: 3,
  retryOn: DEFAULT_RETRY_ON,
  timing: DEFAULT_TIMING,
  requests: Array.from({ length: 10 }, (_, i) => ({ customId: `r${i}`, messages: [{ role: 'user' as const, content: 'x' }] })),
};
const chunk = (
  attempt: number,
  items: number,
  succeeded: number,
  failed: number,
  retryable: number,
  errors: Record<string, number> = {},
): ChunkState => ({
  attempt,
  index: 0,
  offset: 0,
  items,
  state: 'completed',
  fetched: true,
  succeeded,
  failed,
  retryable,
  finalErrors: {},
  retryableErrors: errors,
});

describe('job counts: every item in exactly one bucket', () => {
  it('counts retryable failures as pending while the job runs, and as failed once it ends', () => {
    const s = initialState(input);
    s.chunks = [chunk(1, 10, 6, 4, 3, { invalid_json: 3 }), chunk(2, 3, 1, 2, 2, { invalid_json: 2 })];
    s.chunks[0].finalErrors = { refusal: 1 };
    s.attempt = 2;
    s.phase = 'polling';
    assert.deepEqual(counts(input, s), { total: 10, succeeded: 7, failed: 1, pending: 2 });
    s.phase = 'completed';
    assert.deepEqual(counts(input, s), { total: 10, succeeded: 7, failed: 3, pending: 0 });
    assert.deepEqual(finalErrorsByType(s), { refusal: 1, invalid_json: 2 });
  });

  it('starts with everything pending', () => {
    assert.deepEqual(counts(input, initialState(input)), { total: 10, succeeded: 0, failed: 0, pending: 10 });
  });

  it('a cancel between attempts: the attempt that never made a batch is dropped, its items keep their failure', () => {
    const s = initialState(input);
    s.chunks = [chunk(1, 10, 6, 4, 3, { invalid_json: 3 }), { ...chunk(2, 3, 0, 0, 0), state: 'planned', fetched: false }];
    s.chunks[0].finalErrors = { refusal: 1 };
    s.attempt = 2;
    retreatFromUnsubmittedAttempt(s);
    assert.equal(s.attempt, 1);
    assert.equal(s.chunks.length, 1);
    s.phase = 'cancelled';
    assert.deepEqual(counts(input, s), { total: 10, succeeded: 6, failed: 4, pending: 0 });
    assert.deepEqual(finalErrorsByType(s), { refusal: 1, invalid_json: 3 });
  });

  it('a cancel after the next attempt made a batch, or in the first attempt, changes nothing', () => {
    const s = initialState(input);
    s.chunks = [chunk(1, 10, 6, 4, 3), { ...chunk(2, 3, 0, 0, 0), state: 'in_progress', fetched: false, batchId: 'b2' }];
    s.attempt = 2;
    retreatFromUnsubmittedAttempt(s);
    assert.deepEqual([s.attempt, s.chunks.length], [2, 2]);
    const first = initialState(input);
    retreatFromUnsubmittedAttempt(first);
    assert.equal(first.attempt, 1);
  });
});
