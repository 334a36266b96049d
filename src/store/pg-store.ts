import { Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { Pool, type PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { flattenBatches } from './flatten-batches';
import { migrate } from './pg-schema';
import type { ItemError } from '../types';
import type {
  ItemSpan,
  JobMeta,
  JobStore,
  OutcomeWriter,
  RequestSetInfo,
  RequestWriter,
  StoreIdentity,
  StoredOutcome,
  StoredRequest,
} from './types';

/** Rows per query when reading: bounded memory per page, few enough round trips. */
const PAGE = 2000;
const INT_MAX = 2 ** 31 - 1;

/**
 * The job store in PostgreSQL (schema in `pg-schema.ts`). Requests go in by COPY, outcomes by
 * array upserts; readers page by key, so no query ever loads a whole job.
 */
export class PgJobStore implements JobStore {
  private constructor(
    private readonly pool: Pool,
    readonly identity: StoreIdentity,
  ) {}

  static async open(url: string): Promise<PgJobStore> {
    const shown = publicUrl(url);
    // Each open writer holds a connection until it commits (a fetch can stream for minutes): room for several at once.
    const pool = new Pool({ connectionString: url, max: 10 });
    // A pooled idle connection the server drops reports here; unheard, it would end the process.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migrate(client);
      } finally {
        client.release();
      }
      const { rows } = await pool.query<{ id: string }>('SELECT id FROM durabatch_store');
      return new PgJobStore(pool, { id: rows[0].id, url: shown });
    } catch (err) {
      await pool.end();
      throw err;
    }
  }

  describe(jobId: string): string {
    return `${this.identity.url} (job ${jobId}: table durabatch_outcomes)`;
  }

  // ── requests ───────────────────────────────────────────────────────────────────────────────

  async openRequestWriter(jobId: string): Promise<RequestWriter> {
    const { session, value: setId } = await Session.begin(this.pool, async (client) => {
      const { rows } = await client.query<{ set_id: string }>('INSERT INTO durabatch_request_sets (job_id) VALUES ($1) RETURNING set_id', [
        jobId,
      ]);
      return rows[0].set_id;
    });
    return new PgRequestWriter(session, jobId, setId);
  }

  async requestSet(jobId: string, set: string): Promise<RequestSetInfo | undefined> {
    const setId = parseSet(set);
    if (setId === undefined) return undefined;
    const { rows } = await this.pool.query<SetRow>(`${SELECT_SET} WHERE set_id = $1 AND job_id = $2 AND digest IS NOT NULL`, [
      setId,
      jobId,
    ]);
    return rows.length ? toSetInfo(rows[0]) : undefined;
  }

  async deleteRequestSet(jobId: string, set: string): Promise<void> {
    const setId = parseSet(set);
    if (setId === undefined) return;
    await this.pool.query(
      `WITH gone AS (DELETE FROM durabatch_request_sets WHERE job_id = $1 AND set_id = $2 RETURNING set_id)
       DELETE FROM durabatch_requests WHERE set_id IN (SELECT set_id FROM gone)`,
      [jobId, setId],
    );
  }

  // ── attempts ───────────────────────────────────────────────────────────────────────────────

  async prepareAttempt(jobId: string, set: string, attempt: number): Promise<number> {
    if (!Number.isInteger(attempt) || attempt < 2) throw new Error(`prepareAttempt: attempt ${attempt} is not 2 or more`);
    return this.transaction(async (client) => {
      // Locking the set row checks it is the job's, and makes two preparations of the job take turns.
      await this.ownSet(client, jobId, set, 'FOR UPDATE');
      await client.query('DELETE FROM durabatch_attempt_items WHERE job_id = $1 AND attempt = $2', [jobId, attempt]);
      const res = await client.query(
        `INSERT INTO durabatch_attempt_items (job_id, attempt, pos, idx)
         SELECT job_id, $2::int, row_number() OVER (ORDER BY idx) - 1, idx
         FROM durabatch_outcomes
         WHERE job_id = $1 AND attempt = $2::int - 1 AND NOT ok AND retryable`,
        [jobId, attempt],
      );
      return res.rowCount ?? 0;
    });
  }

  readAttemptItems(jobId: string, set: string, attempt: number, from: number, count?: number): AsyncIterable<StoredRequest> {
    return flattenBatches(() => this.pagedItems(jobId, set, attempt, from, count, true)) as AsyncIterable<StoredRequest>;
  }

  readAttemptIds(
    jobId: string,
    set: string,
    attempt: number,
    from: number,
    count: number,
  ): AsyncIterable<Pick<StoredRequest, 'idx' | 'customId'>> {
    return flattenBatches(() => this.pagedItems(jobId, set, attempt, from, count, false));
  }

  /** A page of items per query, handed out one by one by `flattenBatches` (no generator step per row). */
  private async *pagedItems(
    jobId: string,
    set: string,
    attempt: number,
    from: number,
    count: number | undefined,
    withMessages: boolean,
  ): AsyncGenerator<Array<Pick<StoredRequest, 'idx' | 'customId'> & { messages?: StoredRequest['messages'] }>> {
    if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`readAttemptItems: attempt ${attempt} is not 1 or more`);
    if (!Number.isInteger(from) || from < 0) throw new Error(`readAttemptItems: from ${from} is not a position`);
    const setId = await this.ownSet(this.pool, jobId, set);
    const end = count === undefined ? INT_MAX : Math.min(from + count, INT_MAX);
    const messages = withMessages ? ', r.messages' : '';
    // Positions have no gaps, so each page is a window of the next PAGE positions: a bounded range
    // scan whatever the table's statistics say (an open-ended range with LIMIT was planned as a
    // scan and sort of everything to the end, per page, on a freshly loaded table).
    for (let lo = from; lo < end;) {
      const hi = Math.min(lo + PAGE, end);
      const { rows } =
        attempt === 1
          ? await this.pool.query<RequestRow>(
              `SELECT r.idx AS pos, r.idx, r.custom_id${messages} FROM durabatch_requests r
               WHERE r.set_id = $1 AND r.idx >= $2 AND r.idx < $3 ORDER BY r.idx`,
              [setId, lo, hi],
            )
          : await this.pool.query<RequestRow>(
              `SELECT a.pos, r.idx, r.custom_id${messages}
               FROM durabatch_attempt_items a JOIN durabatch_requests r ON r.set_id = $1 AND r.idx = a.idx
               WHERE a.job_id = $2 AND a.attempt = $3 AND a.pos >= $4 AND a.pos < $5 ORDER BY a.pos`,
              [setId, jobId, attempt, lo, hi],
            );
      if (rows.length)
        yield rows.map((r) =>
          withMessages ? { idx: r.idx, customId: r.custom_id, messages: r.messages } : { idx: r.idx, customId: r.custom_id },
        );
      if (rows.length < hi - lo) return;
      lo = hi;
    }
  }

  // ── outcomes ───────────────────────────────────────────────────────────────────────────────

  async openOutcomeWriter(jobId: string, attempt: number, chunk: number, span?: ItemSpan): Promise<OutcomeWriter> {
    const { session } = await Session.begin(this.pool, async (client) => {
      // Two tries of one chunk (a retried fetch beside its zombie first try) take turns, so the
      // one that commits last replaces the other whole instead of the two mixing row by row.
      await client.query(
        `SELECT pg_advisory_xact_lock(hashtextextended(concat_ws(' ', 'durabatch_chunk', $1::text, $2::int, $3::int), 0))`,
        [jobId, attempt, chunk],
      );
      // The chunk's item range bounds the scan of the (job, idx, attempt) index to the chunk's own rows.
      await client.query('DELETE FROM durabatch_outcomes WHERE job_id = $1 AND attempt = $2 AND chunk = $3 AND idx BETWEEN $4 AND $5', [
        jobId,
        attempt,
        chunk,
        span?.first ?? 0,
        span?.last ?? INT_MAX,
      ]);
    });
    return new PgOutcomeWriter(session, jobId, attempt, chunk);
  }

  async *readLatestOutcomes(jobId: string, opts: { only?: 'ok' | 'errors' } = {}): AsyncIterable<StoredOutcome> {
    const ok = opts.only === undefined ? null : opts.only === 'ok';
    // Each page picks the latest outcome of the next PAGE items and only then filters, so a page
    // may yield nothing yet not be the last; `last` and `n` (one row even when none match) say where it ended.
    const sql = `
      WITH latest AS (
        SELECT DISTINCT ON (idx) * FROM durabatch_outcomes
        WHERE job_id = $1 AND idx > $2 ORDER BY idx, attempt DESC LIMIT $3
      ), page AS (SELECT max(idx) AS last, count(*)::int AS n FROM latest)
      SELECT page.last, page.n, l.idx, l.attempt, l.custom_id, l.ok, l.retryable, l.error_type, l.error_message,
             l.data::text AS data, l.input_tokens, l.output_tokens
      FROM page LEFT JOIN latest l ON $4::boolean IS NULL OR l.ok = $4::boolean
      ORDER BY l.idx`;
    for (let after = -1; ;) {
      const { rows } = await this.pool.query<OutcomeRow & { last: number | null; n: number }>(sql, [jobId, after, PAGE, ok]);
      const { last, n } = rows[0];
      for (const r of rows) if (r.idx !== null) yield toOutcome(r);
      if (last === null || n < PAGE) return;
      after = last;
    }
  }

  async clearJob(jobId: string, keepSet: string): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('DELETE FROM durabatch_outcomes WHERE job_id = $1', [jobId]);
      await client.query('DELETE FROM durabatch_attempt_items WHERE job_id = $1', [jobId]);
      // Requests go by the sets actually deleted, so a set committed meanwhile keeps its requests.
      await client.query(
        `WITH gone AS (
           DELETE FROM durabatch_request_sets WHERE job_id = $1 AND set_id IS DISTINCT FROM $2::bigint RETURNING set_id
         )
         DELETE FROM durabatch_requests WHERE set_id IN (SELECT set_id FROM gone)`,
        [jobId, parseSet(keepSet) ?? null],
      );
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const { session, value } = await Session.begin(this.pool, fn);
    await session.end(async (client) => {
      await client.query('COMMIT');
    });
    return value;
  }

  /** The set's key, if `set` is a committed set of the job; else an error (reading a set that is not there is a bug). */
  private async ownSet(db: Pool | PoolClient, jobId: string, set: string, lock = ''): Promise<string> {
    const setId = parseSet(set);
    const found =
      setId !== undefined &&
      (
        await db.query(`SELECT 1 FROM durabatch_request_sets WHERE set_id = $1 AND job_id = $2 AND digest IS NOT NULL ${lock}`, [
          setId,
          jobId,
        ])
      ).rowCount;
    if (!found) throw new Error(`request set ${set} of job ${jobId} is not in ${this.identity.url}`);
    return setId;
  }
}

/**
 * One pooled client inside an open transaction, held by a writer until it commits or aborts.
 * Whatever ends it, the client goes back to the pool: a failed step rolls back and releases, so a
 * writer whose `write` threw needs no `abort`.
 */
class Session {
  private client: PoolClient | undefined;

  private constructor(client: PoolClient) {
    this.client = client;
  }

  static async begin<T>(pool: Pool, first: (client: PoolClient) => Promise<T>): Promise<{ session: Session; value: T }> {
    const session = new Session(await pool.connect());
    const value = await session.step(async (client) => {
      await client.query('BEGIN');
      return first(client);
    });
    return { session, value };
  }

  get open(): boolean {
    return this.client !== undefined;
  }

  async step<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = this.live();
    try {
      return await fn(client);
    } catch (err) {
      this.client = undefined;
      await rollbackAndRelease(client);
      throw err;
    }
  }

  /** The last step: `fn` commits or rolls back. */
  async end<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const value = await this.step(fn);
    const client = this.live();
    this.client = undefined;
    client.release();
    return value;
  }

  private live(): PoolClient {
    if (!this.client) throw new Error('store writer is closed (committed, aborted, or failed)');
    return this.client;
  }
}

/** A client whose rollback fails is broken: destroy it rather than hand it to the next user. */
async function rollbackAndRelease(client: PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch (err) {
    client.release(err as Error);
  }
}

class PgRequestWriter implements RequestWriter {
  private next = 0;

  constructor(
    private readonly session: Session,
    private readonly jobId: string,
    private readonly setId: string,
  ) {}

  async write(requests: StoredRequest[]): Promise<void> {
    if (requests.length === 0) return;
    await this.session.step(async (client) => {
      const lines: string[] = [];
      for (const r of requests) {
        // Attempt 1 reads by idx range, so a gap or repeat would silently shift every later item.
        if (r.idx !== this.next) throw new Error(`request writer of job ${this.jobId}: got idx ${r.idx}, expected ${this.next}`);
        this.next++;
        lines.push(`${this.setId}\t${r.idx}\t${copyText(r.customId)}\t${copyText(JSON.stringify(r.messages))}\n`);
      }
      const copy = client.query(copyFrom('COPY durabatch_requests (set_id, idx, custom_id, messages) FROM STDIN'));
      await pipeline(Readable.from([lines.join('')]), copy);
    });
  }

  async commit(summary: { count: number; bytes: number; digest: string }, meta: JobMeta): Promise<RequestSetInfo> {
    return this.session.end(async (client) => {
      if (summary.count !== this.next)
        throw new Error(`request writer of job ${this.jobId}: commit of ${summary.count} requests after writing ${this.next}`);
      const existing = await this.findByDigest(client, summary.digest);
      if (existing) {
        await client.query('ROLLBACK');
        return existing;
      }
      try {
        await client.query(
          `UPDATE durabatch_request_sets SET digest = $2, count = $3, bytes = $4, provider = $5, model = $6, schema_name = $7
           WHERE set_id = $1`,
          [this.setId, summary.digest, summary.count, summary.bytes, meta.provider, meta.model, meta.schemaName],
        );
      } catch (err) {
        if ((err as { code?: string }).code !== '23505') throw err;
        // A writer of the same requests committed between our check and our update: its set is the one.
        await client.query('ROLLBACK');
        const winner = await this.findByDigest(client, summary.digest);
        if (!winner) throw err;
        return winner;
      }
      await client.query('COMMIT');
      return { set: this.setId, count: summary.count, bytes: summary.bytes, digest: summary.digest };
    });
  }

  async abort(): Promise<void> {
    if (this.session.open) await this.session.end((client) => client.query('ROLLBACK'));
  }

  private async findByDigest(client: PoolClient, digest: string): Promise<RequestSetInfo | undefined> {
    const { rows } = await client.query<SetRow>(`${SELECT_SET} WHERE job_id = $1 AND digest = $2`, [this.jobId, digest]);
    return rows.length ? toSetInfo(rows[0]) : undefined;
  }
}

/**
 * A chunk's outcomes are streamed with COPY straight into durabatch_outcomes, inside the writer's
 * transaction (nothing is visible before commit; the chunk's previous rows were deleted at open).
 * One COPY stays open across groups: each group's rows go into the socket as soon as they are
 * made, and the server takes them in while the next group is parsed, instead of a COPY started
 * and waited for per group (about a third of a fetch's time was that wait).
 *
 * The rule for an item written twice (a failure never replaces a success; otherwise the later
 * write stands) is applied here, before COPY: the writer remembers which items it wrote and
 * whether they succeeded, and an item that a later group replaces is deleted (the COPY ended
 * first, and a new one begun) and copied again.
 */
const COPY_OUTCOMES =
  'COPY durabatch_outcomes (job_id, attempt, chunk, idx, custom_id, ok, retryable, error_type, error_message, data, input_tokens, output_tokens) FROM STDIN';
const DELETE_REPLACED = 'DELETE FROM durabatch_outcomes WHERE job_id = $1 AND attempt = $2 AND idx = ANY($3::int[])';

class PgOutcomeWriter implements OutcomeWriter {
  /** Items written so far, and whether their standing outcome is a success: ints, not outcomes. */
  private readonly written = new Map<number, boolean>();
  /** The COPY columns every row shares: job, attempt, chunk. */
  private readonly prefix: string;
  /** The COPY in progress, if any. */
  private copy: OpenCopy | undefined;

  constructor(
    private readonly session: Session,
    private readonly jobId: string,
    private readonly attempt: number,
    chunk: number,
  ) {
    this.prefix = `${copyText(jobId)}\t${attempt}\t${chunk}\t`;
  }

  async write(outcomes: StoredOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    await this.step(async (client) => {
      // This group's rows by item (a later one in the group replaces an earlier one in place).
      const rows = new Map<number, string>();
      const replaced: number[] = [];
      for (const o of outcomes) {
        if (o.attempt !== this.attempt)
          throw new Error(`outcome writer of job ${this.jobId} attempt ${this.attempt}: got an outcome of attempt ${o.attempt}`);
        const before = this.written.get(o.idx);
        if (before === true && !o.ok) continue; // a failure never replaces a success
        // Copied by an earlier group: that row goes before this one is copied.
        if (before !== undefined && !rows.has(o.idx)) replaced.push(o.idx);
        this.written.set(o.idx, o.ok);
        rows.set(o.idx, this.prefix + outcomeLine(o));
      }
      if (replaced.length) {
        await this.endCopy();
        await client.query(DELETE_REPLACED, [this.jobId, this.attempt, replaced]);
      }
      if (rows.size === 0) return;
      let text = '';
      for (const row of rows.values()) text += row;
      this.copy ??= new OpenCopy(client);
      await this.copy.send(text);
    });
  }

  async commit(): Promise<void> {
    await this.session.end(async (client) => {
      await this.endCopy();
      await client.query('COMMIT');
    });
  }

  async abort(): Promise<void> {
    if (!this.session.open) return;
    await this.session.end(async (client) => {
      await this.cancelCopy();
      await client.query('ROLLBACK');
    });
  }

  /** A session step that, if it fails, first takes the connection out of COPY (the session then rolls back). */
  private step(fn: (client: PoolClient) => Promise<void>): Promise<void> {
    return this.session.step(async (client) => {
      try {
        await fn(client);
      } catch (err) {
        await this.cancelCopy();
        throw err;
      }
    });
  }

  private async endCopy(): Promise<void> {
    const copy = this.copy;
    this.copy = undefined;
    await copy?.end();
  }

  private async cancelCopy(): Promise<void> {
    const copy = this.copy;
    this.copy = undefined;
    await copy?.cancel();
  }
}

/**
 * A COPY ... FROM STDIN on one connection, fed a string at a time. `send` resolves once the text
 * is on its way to the server (at once, or when the socket drains), so memory stays at a group
 * or two; the server's verdict on every row sent comes with `end`.
 */
class OpenCopy {
  private readonly stream: Writable;
  private readonly ended: Promise<void>;

  constructor(client: PoolClient) {
    this.stream = client.query(copyFrom(COPY_OUTCOMES));
    this.ended = finished(this.stream);
    // Heard by `send` or `end`; until then a server error must not count as unhandled.
    this.ended.catch(() => undefined);
  }

  send(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stream.write(text, (err) => (err ? reject(this.failure(err)) : resolve()));
    });
  }

  async end(): Promise<void> {
    this.stream.end();
    await this.ended;
  }

  /** Stops the COPY (CopyFail): nothing it sent stays, and the connection takes queries again. */
  async cancel(): Promise<void> {
    if (!this.stream.destroyed) this.stream.destroy();
    await this.ended.catch(() => undefined);
  }

  /** The server's own error, when a write failed because it ended the COPY. */
  private failure(err: Error): Error {
    return (this.stream.errored as Error | null) ?? err;
  }
}

const NUL = '\\N';

/**
 * One outcome as a COPY text line; `\N` is SQL NULL (so JSON null data stays a jsonb null). Built
 * by concatenation, with no helper closures or array per row: it runs for every outcome stored.
 */
function outcomeLine(o: StoredOutcome): string {
  const error = o.error;
  const usage = o.usage;
  return (
    String(o.idx) +
    '\t' +
    copyText(o.customId) +
    '\t' +
    copyBool(o.ok) +
    '\t' +
    copyBool(o.retryable) +
    '\t' +
    copyOptional(error?.type) +
    '\t' +
    copyOptional(error?.message) +
    '\t' +
    (o.data === undefined ? NUL : copyText(JSON.stringify(o.data))) +
    '\t' +
    copyInt(usage?.inputTokens) +
    '\t' +
    copyInt(usage?.outputTokens) +
    '\n'
  );
}

function copyOptional(v: string | undefined): string {
  return v === undefined ? NUL : copyText(v);
}

function copyBool(v: boolean | undefined): string {
  return v === undefined ? NUL : v ? 't' : 'f';
}

function copyInt(v: number | undefined): string {
  return v === undefined ? NUL : String(Math.round(v));
}

interface OutcomeRow {
  idx: number;
  attempt: number;
  custom_id: string;
  ok: boolean;
  retryable: boolean | null;
  error_type: string | null;
  error_message: string | null;
  /** As text, so SQL NULL (no data) and JSON null stay apart. */
  data: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
}

/** Absent fields stay absent, so an outcome reads back deep-equal to what was written. */
function toOutcome(r: OutcomeRow): StoredOutcome {
  const o: StoredOutcome = { idx: r.idx, customId: r.custom_id, attempt: r.attempt, ok: r.ok };
  if (r.data !== null) o.data = JSON.parse(r.data);
  if (r.input_tokens !== null && r.output_tokens !== null) o.usage = { inputTokens: r.input_tokens, outputTokens: r.output_tokens };
  if (r.error_type !== null) o.error = { type: r.error_type as ItemError['type'], message: r.error_message ?? '' };
  if (r.retryable !== null) o.retryable = r.retryable;
  return o;
}

interface RequestRow {
  pos: number;
  idx: number;
  custom_id: string;
  messages: StoredRequest['messages'];
}

interface SetRow {
  set_id: string;
  count: number;
  bytes: string;
  digest: string;
}

const SELECT_SET = 'SELECT set_id, count, bytes, digest FROM durabatch_request_sets';

function toSetInfo(r: SetRow): RequestSetInfo {
  return { set: r.set_id, count: r.count, bytes: Number(r.bytes), digest: r.digest };
}

/** Set keys are bigserial values as decimal strings; anything else names no set. */
function parseSet(set: string): string | undefined {
  return /^[1-9][0-9]{0,17}$/.test(set) ? set : undefined;
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

const COPY_SPECIAL = /[\\\n\r\t]/;

/**
 * A value in COPY's text format: the characters that delimit rows and columns, escaped. Most
 * values have none, and a test is cheaper than a replace that calls back for nothing.
 */
function copyText(value: string): string {
  if (typeof value === 'string' && !COPY_SPECIAL.test(value)) return value;
  return value.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]);
}

/** The URL as people may see it: no password, in the authority or in the query. */
function publicUrl(url: string): string {
  const u = new URL(url);
  u.password = '';
  if (u.searchParams.has('password')) u.searchParams.delete('password');
  return u.toString();
}
