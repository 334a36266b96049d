/**
 * The pieces the results fetch was made faster with: the cheap progress heartbeat (a stall must
 * still abort), the pipelined group writer (errors still surface, in order), and the batched line
 * and item readers (the same lines and items as readline and a generator gave).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Progress } from '../../activities/heartbeat';
import { flattenBatches } from '../../src/store/flatten-batches';
import { lineBatches } from '../../src/store/line-batches';
import { OutcomeGroups } from '../../src/store/outcome-groups';
import type { OutcomeWriter, StoredOutcome } from '../../src/store';

describe('Progress', () => {
  it('aborts its signal after a heartbeat timeout with no progress, not while progress comes', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 300 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await env.run(async () => {
      const progress = new Progress();
      for (let i = 0; i < 10; i++) {
        await delay(60);
        progress.advance('lines', 5);
      }
      assert.equal(progress.signal.aborted, false, 'kept alive by progress for twice the timeout');
      const t0 = Date.now();
      // The watchdog is unref'd (it must not keep a worker alive): this test keeps the loop alive.
      const keepAlive = setInterval(() => undefined, 1000);
      await new Promise((resolve) => progress.signal.addEventListener('abort', resolve));
      clearInterval(keepAlive);
      assert.ok(Date.now() - t0 >= 250, 'aborted only once the stall lasted the timeout');
      assert.match(String(progress.signal.reason), /no progress for 300 ms/);
    });
    assert.ok(beats.length >= 2, 'heartbeats went out while lines came');
    // Throttled to one per timeout/3 (100 ms minimum), so the last one may predate the last lines.
    const last = (beats.at(-1) as { lines: number }).lines;
    assert.ok(last > 0 && last <= 50 && last % 5 === 0, `carrying the counts (${last})`);
  });

  it('done() stops the watchdog', async () => {
    await new MockActivityEnvironment({ heartbeatTimeoutMs: 150 }).run(async () => {
      const progress = new Progress();
      progress.done();
      await delay(400);
      assert.equal(progress.signal.aborted, false);
    });
  });
});

const outcome = (idx: number): StoredOutcome => ({ idx, customId: `r-${idx}`, attempt: 1, ok: true, data: idx });

describe('OutcomeGroups', () => {
  it('writes full groups one at a time, in order, and the rest on flush', async () => {
    const calls: number[][] = [];
    let inFlight = 0;
    const writer = {
      async write(o: StoredOutcome[]) {
        assert.equal(inFlight++, 0, 'never two writes at once');
        await delay(5);
        calls.push(o.map((x) => x.idx));
        inFlight--;
      },
    } as unknown as OutcomeWriter;
    let written = 0;
    const groups = new OutcomeGroups(writer, 3, (n) => (written += n));
    for (let i = 0; i < 8; i++) await groups.add(outcome(i));
    await groups.flush();
    await groups.settle();
    assert.deepEqual(calls, [
      [0, 1, 2],
      [3, 4, 5],
      [6, 7],
    ]);
    assert.equal(written, 8);
  });

  it('a failed write is thrown by the next flush or settle', async () => {
    const writer = { write: async () => Promise.reject(new Error('disk full')) } as unknown as OutcomeWriter;
    const groups = new OutcomeGroups(writer, 2, () => undefined);
    await groups.add(outcome(0));
    await groups.add(outcome(1)); // starts the write that fails
    await assert.rejects(groups.settle(), /disk full/);
    await groups.settle(); // reported once
  });
});

describe('lineBatches', () => {
  it('reads the lines readline would, across reads and line ends', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'durabatch-lines-'));
    try {
      const long = 'x'.repeat(300 * 1024);
      const text = `a\nb\r\nc\rd\n\n${long}\r\nü✓𝄞${long}\nlast`;
      await writeFile(join(dir, 'f'), text);
      const lines: string[] = [];
      for await (const batch of lineBatches(join(dir, 'f'))) lines.push(...batch);
      assert.deepEqual(lines, ['a', 'b', 'c', 'd', '', long, `ü✓𝄞${long}`, 'last']);
      const fromByte: string[] = [];
      for await (const batch of lineBatches(join(dir, 'f'), 2)) fromByte.push(...batch);
      assert.deepEqual(fromByte.slice(0, 2), ['b', 'c']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('flattenBatches', () => {
  it('hands out every item in order, and returns the source when the reader stops early', async () => {
    let closes = 0;
    async function* source() {
      try {
        yield [1, 2];
        yield [];
        yield [3];
        yield [4, 5];
      } finally {
        closes++;
      }
    }
    const all: number[] = [];
    for await (const n of flattenBatches(source)) all.push(n);
    assert.deepEqual(all, [1, 2, 3, 4, 5]);
    for await (const n of flattenBatches(source)) if (n === 3) break;
    assert.equal(closes, 2, 'the source was closed after the early stop too');
  });

  it('passes a source error on', async () => {
    async function* source(): AsyncGenerator<number[]> {
      yield [1];
      throw new Error('read failed');
    }
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const n of flattenBatches(source)) seen.push(n);
    }, /read failed/);
    assert.deepEqual(seen, [1]);
  });
});
