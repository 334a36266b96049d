import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, before, describe, it, type TestContext } from 'node:test';
import { Client } from 'pg';
import { MIGRATIONS } from '../../src/store/pg-schema';
import { PgJobStore } from '../../src/store/pg-store';
import type { JobMeta, OutcomeWriter, RequestSetInfo, RequestWriter, StoredOutcome, StoredRequest } from '../../src/store/types';
import { createTestDatabase, pgAvailable } from '../helpers/pg';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

let db: TestDb | undefined;
let store: PgJobStore;
let sql: Client;

before(async () => {
  if (!(await pgAvailable())) return;
  db = await createTestDatabase();
  store = await PgJobStore.open(db.url);
  sql = new Client({ connectionString: db.url });
  await sql.connect();
});

// A writer a failed test left open holds a pooled connection, and closing the store would wait for it forever.
const openWriters: Array<RequestWriter | OutcomeWriter> = [];
afterEach(async () => {
  await Promise.all(openWriters.splice(0).map((w) => w.abort().catch(() => undefined)));
});

async function requestWriter(jobId: string): Promise<RequestWriter> {
  const writer = await store.openRequestWriter(jobId);
  openWriters.push(writer);
  return writer;
}

async function outcomeWriter(jobId: string, attempt: number, chunk: number): Promise<OutcomeWriter> {
  const writer = await store.openOutcomeWriter(jobId, attempt, chunk);
  openWriters.push(writer);
  return writer;
}

after(async () => {
  await sql?.end();
  await store?.close();
  await db?.drop();
});

/** A test that needs the database; skipped where no PostgreSQL is reachable. */
function pgIt(name: string, fn: () => Promise<void>): void {
  // A leaked connection shows as a wait for the pool: fail instead of hanging.
  it(name, { timeout: 30_000 }, async (t: TestContext) => {
    if (!db) return t.skip('PostgreSQL not reachable');
    await fn();
  });
}

const META: JobMeta = { provider: 'openai', model: 'gpt-test', schemaName: 'Person' };

/** Requests whose text exercises COPY escaping: tabs, newlines, backslashes, `\N`, quotes, non-ASCII. */
function makeRequests(n: number, prefix = 'r'): StoredRequest[] {
  const tricky = ['tab\there', 'line\nbreak\r\n', 'back\\slash \\N \\.', '"quoted" \'single\'', 'ünïcødé ✓ 𝄞', '{"json": [1]}'];
  return Array.from({ length: n }, (_, idx) => ({
    idx,
    customId: idx % 7 === 3 ? `${prefix}\t${idx}\\N` : `${prefix}-${idx}`,
    messages: [
      { role: 'system' as const, content: 'Answer in JSON.' },
      { role: 'user' as const, content: `${tricky[idx % tricky.length]} #${idx}` },
    ],
  }));
}

function summarise(requests: StoredRequest[]): { count: number; bytes: number; digest: string } {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const r of requests) {
    const line = JSON.stringify({ customId: r.customId, messages: r.messages });
    hash.update(line);
    bytes += Buffer.byteLength(line);
  }
  return { count: requests.length, bytes, digest: hash.digest('hex') };
}

async function writeSet(jobId: string, requests: StoredRequest[], group = 1000): Promise<RequestSetInfo> {
  const writer = await requestWriter(jobId);
  for (let i = 0; i < requests.length; i += group) await writer.write(requests.slice(i, i + group));
  return writer.commit(summarise(requests), META);
}

async function writeChunk(jobId: string, attempt: number, chunk: number, outcomes: StoredOutcome[]): Promise<void> {
  const writer = await outcomeWriter(jobId, attempt, chunk);
  await writer.write(outcomes);
  await writer.commit();
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function count(query: string, params: unknown[]): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${query}`, params);
  return rows[0].n;
}

const ok = (idx: number, attempt: number, data: unknown = { idx }): StoredOutcome => ({
  idx,
  customId: `r-${idx}`,
  attempt,
  ok: true,
  data,
});
/** A failure no retry policy has judged: `retryable` absent. */
const unjudged = (idx: number, attempt: number): StoredOutcome => ({
  idx,
  customId: `r-${idx}`,
  attempt,
  ok: false,
  error: { type: 'expired', message: 'late' },
});
const failed = (idx: number, attempt: number, retryable = true): StoredOutcome => ({
  idx,
  customId: `r-${idx}`,
  attempt,
  ok: false,
  error: { type: 'invalid_json', message: `bad ${idx}` },
  retryable,
});

describe('PgJobStore: identity and schema', () => {
  pgIt('the identity is stable across opens of one database, differs between databases, and shows no password', async () => {
    const again = await PgJobStore.open(db!.url);
    assert.equal(again.identity.id, store.identity.id);
    await again.close();

    const secret = new URL(db!.url);
    if (!secret.password) secret.password = 's3cret';
    secret.searchParams.set('application_name', 'durabatch-test');
    const withPassword = await PgJobStore.open(secret.toString());
    assert.doesNotMatch(withPassword.identity.url, new RegExp(secret.password));
    assert.equal(
      withPassword.identity.url,
      `postgres://${secret.username}@${secret.host}${secret.pathname}?application_name=durabatch-test`,
    );
    assert.equal(withPassword.identity.id, store.identity.id);
    await withPassword.close();

    const other = await createTestDatabase();
    try {
      const otherStore = await PgJobStore.open(other.url);
      assert.notEqual(otherStore.identity.id, store.identity.id);
      assert.match(otherStore.identity.id, /^[0-9a-f-]{36}$/);
      await otherStore.close();
    } finally {
      await other.drop();
    }
  });

  pgIt('two stores opening a fresh database at once migrate it once', async () => {
    const fresh = await createTestDatabase();
    try {
      const [a, b] = await Promise.all([PgJobStore.open(fresh.url), PgJobStore.open(fresh.url)]);
      assert.equal(a.identity.id, b.identity.id);
      await Promise.all([a.close(), b.close()]);
      const client = new Client({ connectionString: fresh.url });
      await client.connect();
      try {
        const versions = await client.query('SELECT version FROM durabatch_schema_version ORDER BY version');
        assert.deepEqual(
          versions.rows.map((r) => r.version),
          MIGRATIONS.map((_, i) => i + 1),
        );
        assert.equal((await client.query('SELECT id FROM durabatch_store')).rowCount, 1);
      } finally {
        await client.end();
      }
    } finally {
      await fresh.drop();
    }
  });

  pgIt(
    'a database at schema version 1 keeps its outcomes through the later migrations, and one index serves every outcome query',
    async () => {
      const old = await createTestDatabase();
      const client = new Client({ connectionString: old.url });
      await client.connect();
      let upgraded: PgJobStore | undefined;
      try {
        // As a worker of schema version 1 left it: outcomes of two attempts.
        await client.query(MIGRATIONS[0]!);
        await client.query('INSERT INTO durabatch_schema_version (version) VALUES (1)');
        await client.query(
          `INSERT INTO durabatch_outcomes (job_id, attempt, idx, chunk, custom_id, ok, retryable, error_type, error_message, data)
         VALUES ('old', 1, 0, 0, 'a', true, NULL, NULL, NULL, '{"v":1}'),
                ('old', 1, 1, 0, 'b', false, true, 'invalid_json', 'not JSON', NULL),
                ('old', 2, 1, 0, 'b', true, NULL, NULL, NULL, '{"v":2}')`,
        );
        upgraded = await PgJobStore.open(old.url);
        const outcomes = await collect(upgraded.readLatestOutcomes('old'));
        assert.deepEqual(
          outcomes.map((o) => [o.customId, o.attempt, o.data]),
          [
            ['a', 1, { v: 1 }],
            ['b', 2, { v: 2 }],
          ],
        );
        const indexes = await client.query(
          `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'durabatch_outcomes' ORDER BY indexname`,
        );
        assert.deepEqual(
          indexes.rows.map((r) => r.indexname),
          ['durabatch_outcomes_latest', 'durabatch_outcomes_retryable'],
        );
        assert.match(indexes.rows[0].indexdef, /UNIQUE INDEX .* \(job_id, idx, attempt DESC\)/);
        // Still one outcome per item and attempt.
        await assert.rejects(
          client.query(`INSERT INTO durabatch_outcomes (job_id, attempt, idx, chunk, custom_id, ok) VALUES ('old', 2, 1, 0, 'b', false)`),
          /duplicate key/,
        );
        // A chunk's rewrite finds the earlier rows through the index, by the chunk's item range.
        await client.query('SET enable_seqscan = off');
        const plan = await client.query(
          `EXPLAIN DELETE FROM durabatch_outcomes WHERE job_id = 'old' AND attempt = 1 AND chunk = 0 AND idx BETWEEN 0 AND 1`,
        );
        assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), /durabatch_outcomes_latest/);
      } finally {
        await upgraded?.close();
        await client.end();
        await old.drop();
      }
    },
  );

  pgIt('describe names the store, the job and the table', async () => {
    assert.equal(store.describe('job-x'), `${store.identity.url} (job job-x: table durabatch_outcomes)`);
  });
});

describe('PgJobStore: requests', () => {
  pgIt('requests written in groups are readable after commit, with count, bytes and digest', async () => {
    const requests = makeRequests(10);
    const writer = await requestWriter('req-groups');
    for (const group of [requests.slice(0, 3), requests.slice(3, 6), [], requests.slice(6, 9), requests.slice(9)])
      await writer.write(group);
    assert.equal(await count('durabatch_request_sets WHERE job_id = $1', ['req-groups']), 0, 'nothing visible before commit');
    const summary = summarise(requests);
    const info = await writer.commit(summary, META);
    assert.deepEqual(info, { set: info.set, ...summary });
    assert.deepEqual(await store.requestSet('req-groups', info.set), info);
    assert.equal(await store.requestSet('other-job', info.set), undefined, "a set is only its own job's");
    assert.equal(await store.requestSet('req-groups', 'nope'), undefined);
    assert.deepEqual(await collect(store.readAttemptItems('req-groups', info.set, 1, 0)), requests);

    const { rows } = await sql.query('SELECT provider, model, schema_name FROM durabatch_request_sets WHERE set_id = $1', [info.set]);
    assert.deepEqual(rows[0], { provider: 'openai', model: 'gpt-test', schema_name: 'Person' });
  });

  pgIt('attempt 1 items by range: from/count, to the end, past the end, across pages', async () => {
    const requests = makeRequests(4500);
    const { set } = await writeSet('req-ranges', requests, 700);
    const idx = async (from: number, n?: number) =>
      (await collect(store.readAttemptItems('req-ranges', set, 1, from, n))).map((r) => r.idx);
    const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
    assert.deepEqual(await idx(2, 3), [2, 3, 4]);
    assert.deepEqual(await idx(4490), range(4490, 4500));
    assert.deepEqual(await idx(4495, 10), range(4495, 4500));
    assert.deepEqual(await idx(4500), []);
    assert.deepEqual(await idx(9000, 5), []);
    assert.deepEqual(await idx(10, 0), []);
    assert.deepEqual(await idx(100, 4000), range(100, 4100));
    assert.deepEqual(await collect(store.readAttemptItems('req-ranges', set, 1, 0)), requests);
    assert.deepEqual(
      await collect(store.readAttemptIds('req-ranges', set, 1, 1, 2)),
      requests.slice(1, 3).map(({ idx, customId }) => ({ idx, customId })),
    );
  });

  pgIt('an aborted writer leaves nothing behind', async () => {
    const writer = await requestWriter('req-abort');
    await writer.write(makeRequests(50));
    await writer.abort();
    await writer.abort();
    // The next transaction likely reuses the writer's connection: it must not commit the aborted work.
    await store.clearJob('req-abort-unrelated', 'none');
    assert.equal(await count('durabatch_request_sets WHERE job_id = $1', ['req-abort']), 0);
    assert.equal(
      await count('durabatch_requests r WHERE NOT EXISTS (SELECT 1 FROM durabatch_request_sets s WHERE s.set_id = r.set_id)', []),
      0,
      'no requests without a set',
    );
    await assert.rejects(writer.commit(summarise([]), META), /closed/);
  });

  pgIt('a write that throws rolls back and gives its connection back', async () => {
    // More failed writers than the pool has connections: a leaked one would hang the next query.
    for (let i = 0; i < 6; i++) {
      const writer = await requestWriter('req-bad');
      await assert.rejects(writer.write([{ ...makeRequests(1)[0], idx: 5 }]), /expected 0/);
      await writer.abort();
    }
    const writer = await requestWriter('req-bad');
    await writer.write(makeRequests(2));
    await assert.rejects(writer.commit(summarise(makeRequests(3)), META), /commit of 3 requests after writing 2/);
    assert.equal(await count('durabatch_request_sets WHERE job_id = $1', ['req-bad']), 0);
    assert.equal((await writeSet('req-bad', makeRequests(2))).count, 2);
  });

  pgIt('committing the same requests twice keeps the first set', async () => {
    const requests = makeRequests(20);
    const first = await writeSet('req-twice', requests, 8);
    const second = await writeSet('req-twice', requests, 5);
    assert.deepEqual(second, first);
    assert.equal(await count('durabatch_request_sets WHERE job_id = $1', ['req-twice']), 1);
    assert.equal(await count('durabatch_requests WHERE set_id = $1', [first.set]), 20);
    assert.equal(
      await count('durabatch_requests r WHERE NOT EXISTS (SELECT 1 FROM durabatch_request_sets s WHERE s.set_id = r.set_id)', []),
      0,
    );
    const different = await writeSet('req-twice', makeRequests(20, 'x'));
    assert.notEqual(different.set, first.set);
  });

  pgIt('deleteRequestSet removes a set and its requests, and only of the job named', async () => {
    const { set } = await writeSet('req-delete', makeRequests(5));
    await store.deleteRequestSet('someone-else', set);
    assert.ok(await store.requestSet('req-delete', set));
    await store.deleteRequestSet('req-delete', set);
    assert.equal(await store.requestSet('req-delete', set), undefined);
    assert.equal(await count('durabatch_requests WHERE set_id = $1', [set]), 0);
    await assert.rejects(collect(store.readAttemptItems('req-delete', set, 1, 0)), /request set .* is not in/);
  });
});

describe('PgJobStore: outcomes', () => {
  pgIt('outcomes become visible on commit and read back exactly as written', async () => {
    const outcomes: StoredOutcome[] = [
      {
        idx: 0,
        customId: 'r-0',
        attempt: 1,
        ok: true,
        data: { name: 'Ann', tags: ['a', 'b'], nested: { n: 1.5 } },
        usage: { inputTokens: 10, outputTokens: 3 },
      },
      { idx: 1, customId: 'r-1', attempt: 1, ok: true, data: null },
      { idx: 2, customId: 'r\t2\\N', attempt: 1, ok: true, data: 'just a string' },
      { idx: 3, customId: 'r-3', attempt: 1, ok: false, error: { type: 'provider_error', message: 'quota\n"exceeded"' }, retryable: false },
      {
        idx: 4,
        customId: 'r-4',
        attempt: 1,
        ok: false,
        error: { type: 'invalid_json', message: 'x' },
        retryable: true,
        usage: { inputTokens: 0, outputTokens: 0 },
      },
      { idx: 5, customId: 'r-5', attempt: 1, ok: false, error: { type: 'expired', message: '' } },
    ];
    const writer = await outcomeWriter('out-visible', 1, 0);
    await writer.write(outcomes.slice(0, 4));
    await writer.write(outcomes.slice(4));
    assert.deepEqual(await collect(store.readLatestOutcomes('out-visible')), [], 'nothing visible before commit');
    await writer.commit();
    assert.deepEqual(await collect(store.readLatestOutcomes('out-visible')), outcomes);
    await assert.rejects(writer.write([ok(9, 1)]), /closed/);
  });

  pgIt('a second try of a chunk replaces the first try whole; an aborted try leaves the last commit', async () => {
    await writeChunk('out-replace', 1, 0, [ok(0, 1), failed(1, 1), ok(2, 1)]);
    await writeChunk('out-replace', 1, 1, [ok(3, 1)]);
    await writeChunk('out-replace', 1, 0, [failed(0, 1), ok(1, 1)]);
    const expected = [failed(0, 1), ok(1, 1), ok(3, 1)];
    assert.deepEqual(await collect(store.readLatestOutcomes('out-replace')), expected, 'idx 2, written only by the first try, is gone');

    const aborted = await outcomeWriter('out-replace', 1, 0);
    await aborted.write([ok(0, 1), ok(7, 1)]);
    await aborted.abort();
    await store.clearJob('out-replace-unrelated', 'none');
    assert.deepEqual(await collect(store.readLatestOutcomes('out-replace')), expected);
  });

  pgIt('two tries of one chunk at once take turns: the later one waits, then replaces the first', async () => {
    const first = await outcomeWriter('out-race', 1, 0);
    await first.write([ok(0, 1), ok(1, 1)]);
    const opening = outcomeWriter('out-race', 1, 0);
    assert.equal(await Promise.race([opening.then(() => 'open'), delay(300).then(() => 'waiting')]), 'waiting');
    await first.commit();
    const second = await opening;
    await second.write([failed(1, 1)]);
    await second.commit();
    assert.deepEqual(await collect(store.readLatestOutcomes('out-race')), [failed(1, 1)]);
  });

  pgIt('within one writer a later failure never replaces a success, a later success replaces a failure', async () => {
    const writer = await outcomeWriter('out-order', 1, 0);
    await writer.write([ok(1, 1, 'first'), failed(0, 1)]);
    await writer.write([ok(0, 1, 'second'), failed(1, 1)]);
    // The same item several times in one group.
    await writer.write([failed(2, 1), ok(2, 1, 'a'), ok(2, 1, 'b'), failed(2, 1), failed(3, 1, false), failed(3, 1, true)]);
    await writer.commit();
    assert.deepEqual(await collect(store.readLatestOutcomes('out-order')), [
      ok(0, 1, 'second'),
      ok(1, 1, 'first'),
      ok(2, 1, 'b'),
      failed(3, 1, true),
    ]);
  });

  pgIt('a row the server refuses fails the writer with its error, keeps nothing of the chunk and gives the connection back', async () => {
    await writeChunk('out-refused', 1, 0, [ok(0, 1)]);
    const writer = await outcomeWriter('out-refused', 1, 0);
    // PostgreSQL text cannot hold NUL: the server ends the COPY with an error, seen by a later write or the commit.
    const refused = { ...ok(1, 1), customId: 'nul\u0000here' };
    const sent = (async () => {
      await writer.write([ok(2, 1)]);
      await writer.write([refused]);
      for (let i = 3; i < 50; i++) await writer.write([ok(i, 1)]);
      await writer.commit();
    })();
    await assert.rejects(sent, /0x00|null character|invalid byte sequence/i);
    await writer.abort(); // nothing left to do: the failed step rolled back already
    // The connection is usable again, and the chunk's earlier commit stands.
    await store.clearJob('out-refused-unrelated', 'none');
    assert.deepEqual(await collect(store.readLatestOutcomes('out-refused')), [ok(0, 1)]);
    await writeChunk('out-refused', 1, 1, [ok(60, 1)]);
    assert.equal((await collect(store.readLatestOutcomes('out-refused'))).length, 2);
  });

  pgIt('an aborted writer stops its COPY midway: nothing of it is kept, and the connection takes queries again', async () => {
    const writer = await outcomeWriter('out-midway', 1, 0);
    for (let g = 0; g < 5; g++) await writer.write(Array.from({ length: 1000 }, (_, i) => ok(g * 1000 + i, 1)));
    await writer.abort();
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.clearJob(`out-midway-${i}`, 'none')));
    assert.deepEqual(await collect(store.readLatestOutcomes('out-midway')), []);
  });

  pgIt('an outcome of another attempt is refused', async () => {
    const writer = await outcomeWriter('out-attempt', 2, 0);
    await assert.rejects(writer.write([ok(0, 1)]), /got an outcome of attempt 1/);
    await writer.abort();
  });
});

describe('PgJobStore: attempts and latest outcomes', () => {
  const job = 'att-job';
  const requests = makeRequests(8);
  let set: string;

  pgIt('prepareAttempt picks the retryable failures of the attempt before, in request order', async () => {
    ({ set } = await writeSet(job, requests));
    // idx 7 has no outcome; idx 5 failed without a retry decision; chunks arrive out of order.
    await writeChunk(job, 1, 1, [failed(6, 1), unjudged(5, 1), ok(4, 1)].reverse());
    await writeChunk(job, 1, 0, [failed(3, 1), ok(0, 1), failed(2, 1, false), failed(1, 1)]);

    assert.equal(await store.prepareAttempt(job, set, 2), 3);
    assert.equal(await store.prepareAttempt(job, set, 2), 3, 'repeating it gives the same items');
    assert.deepEqual(await collect(store.readAttemptItems(job, set, 2, 0)), [requests[1], requests[3], requests[6]]);
    assert.deepEqual(await collect(store.readAttemptItems(job, set, 2, 1, 1)), [requests[3]]);
    assert.deepEqual(await collect(store.readAttemptItems(job, set, 2, 2)), [requests[6]]);
    assert.deepEqual(await collect(store.readAttemptItems(job, set, 2, 3)), []);
    assert.equal(await count('durabatch_attempt_items WHERE job_id = $1 AND attempt = 2', [job]), 3);

    await writeChunk(job, 2, 0, [ok(1, 2), failed(3, 2), failed(6, 2, false)]);
    assert.equal(await store.prepareAttempt(job, set, 3), 1);
    assert.deepEqual(await collect(store.readAttemptItems(job, set, 3, 0)), [requests[3]]);

    await assert.rejects(store.prepareAttempt(job, set, 1), /not 2 or more/);
    await assert.rejects(store.prepareAttempt('no-such-job', set, 2), /is not in/);
  });

  pgIt("readLatestOutcomes gives each item's highest attempt in request order, filtered after picking", async () => {
    const all = await collect(store.readLatestOutcomes(job));
    assert.deepEqual(all, [ok(0, 1), ok(1, 2), failed(2, 1, false), failed(3, 2), ok(4, 1), unjudged(5, 1), failed(6, 2, false)]);
    assert.deepEqual(await collect(store.readLatestOutcomes(job, { only: 'ok' })), [ok(0, 1), ok(1, 2), ok(4, 1)]);
    assert.deepEqual(
      (await collect(store.readLatestOutcomes(job, { only: 'errors' }))).map((o) => [o.idx, o.attempt]),
      [
        [2, 1],
        [3, 2],
        [5, 1],
        [6, 2],
      ],
      'idx 1 failed in attempt 1 but its latest outcome is a success',
    );
  });

  pgIt('readLatestOutcomes pages through many items, also when whole pages hold no match', async () => {
    const many = 'att-many';
    const n = 4500;
    const writer = await outcomeWriter(many, 1, 0);
    await writer.write(Array.from({ length: n }, (_, i) => (i % 1000 === 999 ? failed(i, 1) : ok(i, 1))));
    await writer.commit();
    await writeChunk(many, 2, 0, [ok(999, 2)]);
    assert.deepEqual(
      (await collect(store.readLatestOutcomes(many))).map((o) => o.idx),
      Array.from({ length: n }, (_, i) => i),
    );
    assert.deepEqual(
      (await collect(store.readLatestOutcomes(many, { only: 'errors' }))).map((o) => o.idx),
      [1999, 2999, 3999],
    );
    assert.equal((await collect(store.readLatestOutcomes(many, { only: 'ok' }))).length, n - 3);
  });

  pgIt('clearJob forgets attempts, outcomes and other sets, keeping the set named', async () => {
    const other = await writeSet(job, makeRequests(8, 'other'));
    const bystander = await writeSet('att-bystander', requests);
    await writeChunk('att-bystander', 1, 0, [ok(0, 1)]);

    await store.clearJob(job, set);
    assert.ok(await store.requestSet(job, set));
    assert.equal(await store.requestSet(job, other.set), undefined);
    assert.equal(await count('durabatch_requests WHERE set_id = $1', [other.set]), 0);
    assert.deepEqual(await collect(store.readLatestOutcomes(job)), []);
    assert.equal(await count('durabatch_attempt_items WHERE job_id = $1', [job]), 0);
    assert.deepEqual(await collect(store.readAttemptItems(job, set, 1, 0)), requests);
    assert.deepEqual(await collect(store.readAttemptItems(job, set, 2, 0)), []);

    assert.ok(await store.requestSet('att-bystander', bystander.set), 'other jobs are untouched');
    assert.equal((await collect(store.readLatestOutcomes('att-bystander'))).length, 1);
  });
});

describe('PgJobStore: job IDs', () => {
  pgIt('job IDs are stored verbatim and never read as SQL or patterns', async () => {
    const odd = `x'); DROP TABLE durabatch_outcomes; -- %_\\ "ü"`;
    const like = 'a%';
    const { set } = await writeSet(odd, makeRequests(3));
    await writeChunk(odd, 1, 0, [failed(0, 1), ok(1, 1)]);
    await writeChunk(like, 1, 0, [ok(0, 1)]);
    await writeChunk('ab', 1, 0, [ok(0, 1)]);

    assert.deepEqual((await sql.query('SELECT DISTINCT job_id FROM durabatch_outcomes WHERE job_id = $1', [odd])).rows, [{ job_id: odd }]);
    assert.equal(await store.prepareAttempt(odd, set, 2), 1);
    assert.deepEqual(await collect(store.readAttemptItems(odd, set, 2, 0)), [makeRequests(3)[0]]);
    assert.equal((await collect(store.readLatestOutcomes(odd))).length, 2);

    await store.clearJob(like, 'none');
    assert.deepEqual(await collect(store.readLatestOutcomes(like)), []);
    assert.equal((await collect(store.readLatestOutcomes('ab'))).length, 1, "'a%' is not a pattern");
  });
});
