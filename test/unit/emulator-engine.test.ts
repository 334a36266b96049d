/**
 * The provider-neutral engine on its own: how per-item faults count submissions. Driven directly
 * (no HTTP) with a hand-moved clock, since only the fault decisions matter here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchEngine, type EmulatedItem } from '../../src/emulator/engine';

const TIMING = { validatingMs: 1, processingMs: 2, finalizingMs: 1 };

function items(n: number, text = 'John Doe is 25'): EmulatedItem[] {
  return Array.from({ length: n }, (_, i) => ({
    customId: `request-${i}`,
    messages: [{ role: 'user' as const, content: `${text} (${i})` }],
  }));
}

/** Creates a batch, lets it finish, and returns each item's result kind. */
function run(engine: BatchEngine, clock: { now: number }, tag: string | undefined, batchItems: EmulatedItem[]): string[] {
  const batch = engine.create('openai', { idPrefix: 'batch_', tag, model: 'm', items: batchItems });
  clock.now += 10;
  return engine.results(batch)!.map((r) => r.kind);
}

describe('emulator engine: fault rates', () => {
  it('a rate hits its share of any ID scheme, sequential default IDs included', () => {
    const clock = { now: 0 };
    const engine = new BatchEngine({ faults: { ...TIMING, itemErrorRate: 0.12 }, now: () => clock.now });
    for (const make of [
      (i: number) => `request-${i}`,
      (i: number) => `item-${i}`,
      (i: number) => `${i}`,
      (i: number) => `user_${String(i).padStart(6, '0')}`,
    ]) {
      const kinds = run(
        engine,
        clock,
        undefined,
        items(300).map((item, i) => ({ ...item, customId: make(i) })),
      );
      const errors = kinds.filter((k) => k === 'error').length;
      assert.ok(errors >= 18 && errors <= 54, `${make(0)}…: ${errors} of 300 faulted at rate 0.12`);
    }
  });
});

describe('emulator engine: submission counting', () => {
  it('rate faults hit every job’s first submission, not only the first job’s', () => {
    const clock = { now: 0 };
    const engine = new BatchEngine({ faults: { ...TIMING, itemErrorRate: 1 }, now: () => clock.now });
    assert.deepEqual(run(engine, clock, 'job-a/r0123456789ab/a1/c0', items(2)), ['error', 'error']);
    assert.deepEqual(run(engine, clock, 'job-b/r0123456789ab/a1/c0', items(2)), ['error', 'error'], 'another job starts afresh');
    assert.deepEqual(run(engine, clock, 'job-a/r0123456789ab/a2/c0', items(2)), ['ok', 'ok'], 'job-a’s retry succeeds');
    assert.deepEqual(run(engine, clock, 'job-c/a1/c3', items(1)), ['error'], 'older tags without a run part');
    assert.deepEqual(run(engine, clock, 'job-c/a2/c0', items(1)), ['ok']);
  });

  it('`times` counts per job across attempts and chunks', () => {
    const clock = { now: 0 };
    const engine = new BatchEngine({
      faults: { ...TIMING, itemFaults: [{ match: 'request-*', fault: 'error', times: 2 }] },
      now: () => clock.now,
    });
    assert.deepEqual(run(engine, clock, 'j1/r1/a1/c0', items(1)), ['error']);
    assert.deepEqual(run(engine, clock, 'j2/r1/a1/c0', items(1)), ['error']);
    assert.deepEqual(run(engine, clock, 'j1/r1/a2/c1', items(1)), ['error']);
    assert.deepEqual(run(engine, clock, 'j1/r1/a3/c0', items(1)), ['ok']);
    assert.deepEqual(run(engine, clock, 'j2/r1/a2/c0', items(1)), ['error'], 'j2 has had only one submission');
  });

  it('without a job tag, the same request resent counts; a new request under a reused ID does not', () => {
    const clock = { now: 0 };
    const engine = new BatchEngine({ faults: { ...TIMING, itemErrorRate: 1 }, now: () => clock.now });
    assert.deepEqual(run(engine, clock, undefined, items(2)), ['error', 'error']);
    assert.deepEqual(run(engine, clock, 'anthropic:durabatch_1', items(2)), ['ok', 'ok'], 'same requests: a resubmission');
    assert.deepEqual(run(engine, clock, 'anthropic:durabatch_2', items(2, 'Jane Roe is 30')), ['error', 'error'], 'new job, same IDs');
  });
});
