import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubmitMemory } from '../../src/providers/submit-memory';
import type { SubmitResult } from '../../src/providers/types';

/** A submission that ends when `finish` is called. */
function held(): { submit: () => Promise<SubmitResult>; finish: (batchId: string) => void } {
  let finish!: (batchId: string) => void;
  const result = new Promise<SubmitResult>((resolve) => (finish = (batchId) => resolve({ batchId, reused: false })));
  return { submit: () => result, finish };
}

describe('SubmitMemory', () => {
  it('a second call for a tag adopts the running submission, and later ones the finished batch', async () => {
    const memory = new SubmitMemory();
    const first = held();
    let calls = 0;
    const a = memory.run('t', () => (calls++, first.submit()));
    const b = memory.run('t', () => (calls++, first.submit()));
    first.finish('batch_1');
    assert.deepEqual(await a, { batchId: 'batch_1', reused: false });
    assert.deepEqual(await b, { batchId: 'batch_1', reused: true });
    assert.deepEqual(await memory.run('t', () => assert.fail('not submitted again')), { batchId: 'batch_1', reused: true });
    assert.equal(calls, 1);
  });

  it('a call waiting for another try of its tag stops at its own cancel; the running one goes on and is remembered', async () => {
    const memory = new SubmitMemory();
    const first = held();
    const a = memory.run('t', first.submit);
    const cancel = new AbortController();
    const reason = new Error('the submit was cancelled');
    const waiting = memory.run('t', () => assert.fail('not submitted twice'), cancel.signal);
    cancel.abort(reason);
    await assert.rejects(waiting, reason);
    first.finish('batch_1');
    assert.deepEqual(await a, { batchId: 'batch_1', reused: false });
    assert.deepEqual(await memory.run('t', () => assert.fail('not submitted again')), { batchId: 'batch_1', reused: true });
    // Already cancelled before it asks: it does not wait at all.
    const second = held();
    const c = memory.run('u', second.submit);
    await assert.rejects(memory.run('u', second.submit, AbortSignal.abort(reason)), reason);
    second.finish('batch_2');
    assert.equal((await c).batchId, 'batch_2');
  });
});
