import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileJobStore, type StoredOutcome } from '../../src/store';
import { findJobProblems } from '../../src/validate-job';
import { User } from '../helpers/schemas';
import { collect, latest, storeWithRequests } from '../helpers/stored-requests';

const req = (i: number) => ({ customId: `r-${i}`, messages: [{ role: 'user' as const, content: `text ${i}` }] });
const ok = (idx: number, attempt: number): StoredOutcome => ({ idx, customId: `r-${idx}`, attempt, ok: true, data: { n: idx } });
const failed = (idx: number, attempt: number, retryable: boolean): StoredOutcome => ({
  idx,
  customId: `r-${idx}`,
  attempt,
  ok: false,
  error: { type: 'invalid_json', message: 'x' },
  retryable,
});

describe('FileJobStore: job IDs never reach outside the store', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'durabatch-home-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('refuses "." and ".." (and hidden or nested names) before any write or removal', async () => {
    const store = await FileJobStore.open(join(home, 'store'));
    await writeFile(join(home, 'temporal.db'), 'keep me');
    const { source } = await storeWithRequests('victim', [req(0)], store);
    for (const jobId of ['.', '..', '.hidden', 'a/../..', '../x', '']) {
      await assert.rejects(store.clearJob(jobId, 'x'), /not valid|outside the store/, jobId);
      await assert.rejects(store.openRequestWriter(jobId), /not valid|outside the store/, jobId);
      await assert.rejects(store.openOutcomeWriter(jobId, 1, 0), /not valid|outside the store/, jobId);
    }
    assert.equal((await stat(join(home, 'temporal.db'))).isFile(), true, 'DURABATCH_HOME is untouched');
    assert.equal((await store.requestSet('victim', source.set))?.count, 1, 'other jobs are untouched');
  });

  it('job validation refuses them too: a job ID starts with a letter or digit', () => {
    for (const jobId of ['.', '..', '-x', '_x']) {
      const problems = findJobProblems({
        jobId,
        provider: 'openai',
        model: 'm',
        schemaName: 'User',
        schema: User,
        requests: [req(0)],
        params: {},
        maxAttempts: 1,
      });
      assert.match(problems.join('\n'), /job ID .* starting with a letter or digit/, jobId);
    }
  });
});

describe('FileJobStore: requests, attempts, outcomes', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'durabatch-store-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps one identity per directory, another for another directory', async () => {
    const a = await FileJobStore.open(join(dir, 'a'));
    assert.equal((await FileJobStore.open(join(dir, 'a'))).identity.id, a.identity.id);
    assert.notEqual((await FileJobStore.open(join(dir, 'b'))).identity.id, a.identity.id);
    assert.equal(a.identity.url, join(dir, 'a'));
  });

  it('reads any range of requests by seeking its sparse index (across index blocks)', async () => {
    const store = await FileJobStore.open(join(dir, 'ranges'));
    const { source } = await storeWithRequests(
      'job',
      Array.from({ length: 3000 }, (_, i) => req(i)),
      store,
    );
    assert.equal(source.count, 3000);
    const ids = async (from: number, count?: number) =>
      (await collect(store.readAttemptItems('job', source.set, 1, from, count))).map((r) => r.idx);
    assert.deepEqual(await ids(0, 3), [0, 1, 2]);
    assert.deepEqual(await ids(1022, 4), [1022, 1023, 1024, 1025]);
    assert.deepEqual(await ids(2998), [2998, 2999]);
    assert.deepEqual(await ids(3000, 10), []);
    assert.equal((await ids(0)).length, 3000);
    const [r] = await collect(store.readAttemptItems('job', source.set, 1, 2500, 1));
    assert.deepEqual(r, { idx: 2500, ...req(2500) });
    assert.deepEqual(
      await collect(store.readAttemptIds('job', source.set, 1, 1023, 3)),
      [1023, 1024, 1025].map((i) => ({ idx: i, customId: `r-${i}` })),
    );
  });

  it("reads a chunk's IDs from the IDs file beside the items, and from the items of a store written before there was one", async () => {
    const store = await FileJobStore.open(join(dir, 'ids'));
    const requests = Array.from({ length: 2500 }, (_, i) => ({ ...req(i), customId: i % 7 ? `r-${i}` : `q"u\\o\n,"m":-${i}` }));
    const { source } = await storeWithRequests('job', requests, store);
    const setDir = join(dir, 'ids', 'jobs', 'job', 'sets', source.set);
    assert.deepEqual((await readdir(setDir)).sort(), [
      'items.ids.index.json',
      'items.ids.jsonl',
      'items.index.json',
      'items.jsonl',
      'set.json',
    ]);
    const want = requests.slice(1020, 2100).map((r, k) => ({ idx: 1020 + k, customId: r.customId }));
    assert.deepEqual(await collect(store.readAttemptIds('job', source.set, 1, 1020, 1080)), want);
    // Made by a version without IDs files: the same IDs, out of the item lines.
    await rm(join(setDir, 'items.ids.index.json'));
    await rm(join(setDir, 'items.ids.jsonl'));
    assert.deepEqual(await collect(store.readAttemptIds('job', source.set, 1, 1020, 1080)), want);
    // Attempt 2, prepared from it, has IDs files of its own again.
    const w = await store.openOutcomeWriter('job', 1, 0);
    await w.write(requests.map((r, i) => (i % 3 ? ok(i, 1) : { ...failed(i, 1, true), customId: r.customId })));
    await w.commit();
    assert.equal(await store.prepareAttempt('job', source.set, 2), 834);
    assert.ok((await readdir(join(dir, 'ids', 'jobs', 'job', 'attempts'))).includes('a2.ids.jsonl'));
    assert.deepEqual(
      await collect(store.readAttemptIds('job', source.set, 2, 500, 3)),
      [1500, 1503, 1506].map((i) => ({ idx: i, customId: requests[i]!.customId })),
    );
  });

  it('an aborted request writer leaves nothing; the same requests twice are one set', async () => {
    const store = await FileJobStore.open(join(dir, 'sets'));
    const writer = await store.openRequestWriter('j');
    await writer.write([{ idx: 0, ...req(0) }]);
    await writer.abort();
    assert.deepEqual(await readdir(join(dir, 'sets', 'jobs', 'j')), []);
    const first = await storeWithRequests('j', [req(0), req(1)], store);
    const second = await storeWithRequests('j', [req(0), req(1)], store);
    assert.equal(second.source.set, first.source.set);
    assert.deepEqual(await readdir(join(dir, 'sets', 'jobs', 'j', 'sets')), [first.source.set]);
  });

  it('attempt 2 is the retryable failures of attempt 1, in request order; latest outcomes merge attempts', async () => {
    const store = await FileJobStore.open(join(dir, 'attempts'));
    const { source } = await storeWithRequests(
      'job',
      Array.from({ length: 2100 }, (_, i) => req(i)),
      store,
    );
    // Two chunks of attempt 1, outcomes written out of order and in groups.
    for (const [chunk, from, to] of [
      [0, 0, 1050],
      [1, 1050, 2100],
    ] as const) {
      const w = await store.openOutcomeWriter('job', 1, chunk);
      const outcomes = Array.from({ length: to - from }, (_, k) => from + k).map((i) =>
        i % 100 === 7 ? failed(i, 1, true) : i % 100 === 8 ? failed(i, 1, false) : ok(i, 1),
      );
      await w.write(outcomes.slice(500).reverse());
      await w.write(outcomes.slice(0, 500));
      await w.commit();
    }
    assert.equal(await store.prepareAttempt('job', source.set, 2), 21);
    assert.equal(await store.prepareAttempt('job', source.set, 2), 21, 'safe to repeat');
    const items = await collect(store.readAttemptItems('job', source.set, 2, 0));
    assert.deepEqual(
      items.map((r) => r.idx),
      Array.from({ length: 21 }, (_, k) => k * 100 + 7),
    );
    assert.deepEqual(items[3], { idx: 307, ...req(307) });
    assert.deepEqual(
      (await collect(store.readAttemptItems('job', source.set, 2, 20, 5))).map((r) => r.idx),
      [2007],
    );

    const w2 = await store.openOutcomeWriter('job', 2, 0);
    await w2.write(items.map((r) => ok(r.idx, 2)));
    await w2.commit();
    const all = await latest(store, 'job');
    assert.equal(all.length, 2100);
    assert.deepEqual(
      all.map((o) => o.idx),
      Array.from({ length: 2100 }, (_, i) => i),
      'request order',
    );
    assert.deepEqual([all[7]!.attempt, all[7]!.ok, all[8]!.attempt, all[8]!.ok], [2, true, 1, false]);
    assert.equal((await collect(store.readLatestOutcomes('job', { only: 'errors' }))).length, 21);
    assert.equal((await collect(store.readLatestOutcomes('job', { only: 'ok' }))).length, 2100 - 21);
  });

  it('outcomes of any size and script read back as written (a group far larger than its first buffer)', async () => {
    const store = await FileJobStore.open(join(dir, 'outcomes-wide'));
    const wide = (idx: number): StoredOutcome => ({
      idx,
      customId: `r-${idx}`,
      attempt: 1,
      ok: true,
      // Three and four UTF-8 bytes a character, and a lone surrogate.
      data: { text: '日本語'.repeat(idx * 300), emoji: '😀'.repeat(idx), tail: idx === 3 ? 'x\uD800y' : 'é' },
    });
    const outcomes = [0, 1, 2, 3, 4, 5].map(wide);
    const w = await store.openOutcomeWriter('wide', 1, 0);
    await w.write(outcomes);
    await w.commit();
    const back = await latest(store, 'wide');
    assert.deepEqual(
      back.map((o) => (o.data as { text: string }).text.length),
      outcomes.map((o) => (o.data as { text: string }).text.length),
    );
    // JSON.stringify escapes the lone surrogate (\ud800), so it reads back as itself.
    assert.deepEqual(back, outcomes);
  });

  it('a later failure never replaces a success; a new writer replaces the chunk whole; an aborted one changes nothing', async () => {
    const store = await FileJobStore.open(join(dir, 'outcomes'));
    const w = await store.openOutcomeWriter('job', 1, 0);
    await w.write([failed(0, 1, true), ok(1, 1), failed(2, 1, true)]);
    await w.write([ok(0, 1), failed(1, 1, true)]);
    await w.commit();
    assert.deepEqual(
      (await latest(store, 'job')).map((o) => o.ok),
      [true, true, false],
    );
    const aborted = await store.openOutcomeWriter('job', 1, 0);
    await aborted.write([failed(0, 1, false)]);
    await aborted.abort();
    assert.equal((await latest(store, 'job')).length, 3);
    const again = await store.openOutcomeWriter('job', 1, 0);
    await again.write([ok(0, 1)]);
    await again.commit();
    assert.deepEqual(
      (await latest(store, 'job')).map((o) => o.idx),
      [0],
    );
  });
});
