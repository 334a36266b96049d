import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { flattenBatches } from './flatten-batches';
import { lineBatches } from './line-batches';
import { jobPath } from './safe-path';
import type { JobMeta, JobStore, OutcomeWriter, RequestSetInfo, RequestWriter, StoreIdentity, StoredOutcome, StoredRequest } from './types';

/**
 * The embedded default store: a directory, for one host (or a shared volume).
 *
 *   <root>/store.json                         the store's identity
 *   <root>/jobs/<job>/sets/<set>/items.jsonl  the requests, one `{i, id, m}` line each, + items.index.json
 *   <root>/jobs/<job>/sets/<set>/items.ids.jsonl the same lines without `m`, + items.ids.index.json
 *   <root>/jobs/<job>/attempts/a<k>.jsonl     attempt k's items (k > 1), copied from the requests, + index, + ids
 *   <root>/jobs/<job>/outcomes/a<k>-c<c>.jsonl one chunk's outcomes
 *
 * Every file is written under a temporary name and renamed, so a reader never sees half of one and
 * a rewrite replaces it whole. Item files carry a sparse index (the byte offset of every
 * INDEX_EVERY-th line), so a chunk's range is read by seeking, not by reading the job. Beside each
 * item file, its IDs alone: a fetch needs a chunk's 50,000 IDs, not its messages, and reading them
 * out of the item lines meant decoding every message (about 1.4 µs per result). Item files written
 * before the IDs files existed are read for their IDs as before.
 */
const INDEX_EVERY = 1024;
const OUTCOME_FILE = /^a(\d+)-c(\d+)\.jsonl$/;

interface ItemLine {
  i: number;
  id: string;
  m: StoredRequest['messages'];
}

export class FileJobStore implements JobStore {
  private constructor(
    private readonly root: string,
    readonly identity: StoreIdentity,
  ) {}

  static async open(dir: string): Promise<FileJobStore> {
    const root = resolve(dir);
    await mkdir(join(root, 'jobs'), { recursive: true });
    return new FileJobStore(root, { id: await storeId(root), url: root });
  }

  describe(jobId: string): string {
    return this.jobDir(jobId);
  }

  private jobDir(jobId: string, ...parts: string[]): string {
    return jobPath(join(this.root, 'jobs'), jobId, ...parts);
  }

  // ── requests ───────────────────────────────────────────────────────────────────────────────

  async openRequestWriter(jobId: string): Promise<RequestWriter> {
    const staging = this.jobDir(jobId, `.staging-${randomUUID()}`);
    await mkdir(staging, { recursive: true });
    const items = await ItemFiles.create(join(staging, 'items'));
    const setsDir = this.jobDir(jobId, 'sets');
    return {
      write: (requests) => items.write(requests.map((r) => JSON.stringify({ i: r.idx, id: r.customId, m: r.messages } satisfies ItemLine))),
      commit: async (summary, meta) => {
        await items.finish();
        const info: RequestSetInfo = { set: summary.digest.slice(0, 32), ...summary };
        await writeFile(join(staging, 'set.json'), JSON.stringify({ ...info, meta, createdAt: new Date().toISOString() }));
        await mkdir(setsDir, { recursive: true });
        try {
          await rename(staging, join(setsDir, info.set));
        } catch (err) {
          // Already there: the same requests, committed before (a repeated start). Keep that one.
          if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
          await rm(staging, { recursive: true, force: true });
        }
        return info;
      },
      abort: async () => {
        await items.finish().catch(() => undefined);
        await rm(staging, { recursive: true, force: true });
      },
    };
  }

  async requestSet(jobId: string, set: string): Promise<RequestSetInfo | undefined> {
    const text = await readFile(this.setFile(jobId, set, 'set.json'), 'utf8').catch(ifMissing(undefined));
    if (text === undefined) return undefined;
    const { count, bytes, digest } = JSON.parse(text) as RequestSetInfo & { meta: JobMeta };
    return { set, count, bytes, digest };
  }

  async deleteRequestSet(jobId: string, set: string): Promise<void> {
    await rm(this.setFile(jobId, set), { recursive: true, force: true });
  }

  private setFile(jobId: string, set: string, ...parts: string[]): string {
    if (!/^[0-9a-f]{32}$/.test(set)) throw new Error(`not a request set of this store: ${JSON.stringify(set)}`);
    return this.jobDir(jobId, 'sets', set, ...parts);
  }

  // ── attempts ───────────────────────────────────────────────────────────────────────────────

  async prepareAttempt(jobId: string, set: string, attempt: number): Promise<number> {
    // Only the attempt before is read, and only its failures that may be retried.
    const wanted: number[] = [];
    for await (const o of this.attemptOutcomes(jobId, attempt - 1)) if (!o.ok && o.retryable) wanted.push(o.idx);
    const dir = this.jobDir(jobId, 'attempts');
    await mkdir(dir, { recursive: true });
    const tmp = join(dir, `.a${attempt}-${randomUUID()}`);
    const out = await ItemFiles.create(tmp);
    try {
      const lines: string[] = [];
      for await (const line of readIndexedLines(this.setFile(jobId, set, 'items'), wanted)) {
        lines.push(line);
        if (lines.length >= INDEX_EVERY) await out.write(lines.splice(0));
      }
      await out.write(lines);
      await out.finish();
      // The IDs first: a reader that finds the item file finds its IDs beside it.
      for (const file of ItemFiles.files) await rename(`${tmp}${file}`, join(dir, `a${attempt}${file}`));
    } finally {
      await out.finish().catch(() => undefined);
      for (const file of ItemFiles.files) await rm(`${tmp}${file}`, { force: true });
    }
    return wanted.length;
  }

  async *readAttemptItems(jobId: string, set: string, attempt: number, from: number, count?: number): AsyncIterable<StoredRequest> {
    const base = attempt === 1 ? this.setFile(jobId, set, 'items') : this.jobDir(jobId, 'attempts', `a${attempt}`);
    for await (const line of readLineRange(base, from, count)) {
      const item = JSON.parse(line) as ItemLine;
      yield { idx: item.i, customId: item.id, messages: item.m };
    }
  }

  readAttemptIds(
    jobId: string,
    set: string,
    attempt: number,
    from: number,
    count: number,
  ): AsyncIterable<Pick<StoredRequest, 'idx' | 'customId'>> {
    return flattenBatches(() => this.attemptIdBatches(jobId, set, attempt, from, count));
  }

  /** The IDs a batch of lines (one read) at a time: no per-line stream or readline events. */
  private async *attemptIdBatches(
    jobId: string,
    set: string,
    attempt: number,
    from: number,
    count: number,
  ): AsyncGenerator<Array<Pick<StoredRequest, 'idx' | 'customId'>>> {
    const base = attempt === 1 ? this.setFile(jobId, set, 'items') : this.jobDir(jobId, 'attempts', `a${attempt}`);
    const ids = (await exists(`${base}${IDS}.index.json`)) ? `${base}${IDS}` : base;
    for await (const lines of readLineRangeBatches(ids, from, count)) yield lines.map(idsOf);
  }

  // ── outcomes ───────────────────────────────────────────────────────────────────────────────

  async openOutcomeWriter(jobId: string, attempt: number, chunk: number): Promise<OutcomeWriter> {
    // No span needed: a chunk's outcomes are a file of their own.
    const dir = this.jobDir(jobId, 'outcomes');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `a${attempt}-c${chunk}.jsonl`);
    // Unique per write: a retried fetch may run beside its own zombie first try in one process.
    const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    const handle = await open(tmp, 'w');
    let closed = false;
    const close = async () => {
      if (!closed) await handle.close();
      closed = true;
    };
    return {
      write: async (outcomes) => {
        if (outcomes.length) await writeAll(handle, outcomeBytes(outcomes));
      },
      commit: async () => {
        await close();
        await rename(tmp, file);
      },
      abort: async () => {
        await close();
        await rm(tmp, { force: true });
      },
    };
  }

  async *readLatestOutcomes(jobId: string, opts: { only?: 'ok' | 'errors' } = {}): AsyncIterable<StoredOutcome> {
    const attempts = [...new Set((await this.outcomeFiles(jobId)).map((f) => f.attempt))];
    // Each attempt's outcomes come in request order; the merge keeps the highest attempt of each item.
    const streams = attempts.map((a) => this.attemptOutcomes(jobId, a)[Symbol.asyncIterator]());
    const heads = await Promise.all(streams.map((s) => s.next()));
    for (;;) {
      let next: StoredOutcome | undefined;
      for (const h of heads) {
        if (h.done) continue;
        if (!next || h.value.idx < next.idx || (h.value.idx === next.idx && h.value.attempt > next.attempt)) next = h.value;
      }
      if (!next) return;
      const idx = next.idx;
      for (let i = 0; i < heads.length; i++) {
        while (!heads[i]!.done && heads[i]!.value.idx === idx) heads[i] = await streams[i]!.next();
      }
      if (!opts.only || (opts.only === 'ok') === next.ok) yield next;
    }
  }

  /** One attempt's outcomes in request order: its chunks hold consecutive ranges of the attempt's items. */
  private async *attemptOutcomes(jobId: string, attempt: number): AsyncIterable<StoredOutcome> {
    const files = (await this.outcomeFiles(jobId)).filter((f) => f.attempt === attempt).sort((a, b) => a.chunk - b.chunk);
    for (const f of files) yield* await readChunkOutcomes(f.path);
  }

  private async outcomeFiles(jobId: string): Promise<Array<{ path: string; attempt: number; chunk: number }>> {
    const dir = this.jobDir(jobId, 'outcomes');
    const names = await readdir(dir).catch(ifMissing([] as string[]));
    return names.flatMap((name) => {
      const m = OUTCOME_FILE.exec(name);
      return m ? [{ path: join(dir, name), attempt: Number(m[1]), chunk: Number(m[2]) }] : [];
    });
  }

  async clearJob(jobId: string, keepSet: string): Promise<void> {
    await rm(this.jobDir(jobId, 'attempts'), { recursive: true, force: true });
    await rm(this.jobDir(jobId, 'outcomes'), { recursive: true, force: true });
    const sets = await readdir(this.jobDir(jobId, 'sets')).catch(ifMissing([] as string[]));
    for (const set of sets) if (set !== keepSet) await rm(this.jobDir(jobId, 'sets', set), { recursive: true, force: true });
  }

  async close(): Promise<void> {}
}

/**
 * A chunk's outcome file, in request order. The file holds every write of one fetch: for an item
 * written twice, a success stands (a failure never replaces it), else the later line does.
 * Read whole: one chunk is bounded by the provider's batch size, never by the job's.
 */
async function readChunkOutcomes(path: string): Promise<StoredOutcome[]> {
  const byIdx = new Map<number, StoredOutcome>();
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const o = JSON.parse(line) as StoredOutcome;
    const prev = byIdx.get(o.idx);
    if (!prev || o.ok || !prev.ok) byIdx.set(o.idx, o);
  }
  return [...byIdx.values()].sort((a, b) => a.idx - b.idx);
}

/**
 * A group of outcomes as JSON lines, each encoded to UTF-8 straight into one buffer as it is made:
 * building the group's string first and encoding that cost a third more (1.5 against 1.1 µs an
 * outcome, JSON.stringify included), and the buffer is not on the heap the collector copies.
 */
function outcomeBytes(outcomes: StoredOutcome[]): Buffer {
  let bytes = Buffer.allocUnsafe(outcomes.length * 256);
  let at = 0;
  for (const o of outcomes) {
    const line = JSON.stringify(o);
    // Room for the worst case (a UTF-16 unit is at most three UTF-8 bytes) and the newline.
    const need = at + line.length * 3 + 1;
    if (need > bytes.length) {
      const larger = Buffer.allocUnsafe(Math.max(bytes.length * 2, need));
      bytes.copy(larger, 0, 0, at);
      bytes = larger;
    }
    at += bytes.write(line, at);
    bytes[at++] = 0x0a;
  }
  return bytes.subarray(0, at);
}

/** All of `bytes`, however many writes that takes (a write may take less than it was given). */
async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  for (let at = 0; at < bytes.length;) {
    const { bytesWritten } = await handle.write(bytes, at);
    if (bytesWritten <= 0) throw new Error(`writing ${bytes.length - at} bytes to an outcome file wrote none`);
    at += bytesWritten;
  }
}

/** The IDs of an item line or an IDs line (`idsLine`): the part before "m" is a whole object once closed. */
function idsOf(line: string): Pick<StoredRequest, 'idx' | 'customId'> {
  const head = JSON.parse(idsLine(line)) as Omit<ItemLine, 'm'>;
  return { idx: head.i, customId: head.id };
}

/** The store's random ID, made once; two processes opening a new store at once agree on one. */
async function storeId(root: string): Promise<string> {
  const file = join(root, 'store.json');
  try {
    await writeFile(file, JSON.stringify({ id: randomUUID(), createdAt: new Date().toISOString() }), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (let tries = 0; ; tries++) {
    const text = await readFile(file, 'utf8');
    // A racing creator may not have written its bytes yet.
    if (text) return (JSON.parse(text) as { id: string }).id;
    if (tries > 50) throw new Error(`${file} is empty`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function ifMissing<T>(value: T): (err: NodeJS.ErrnoException) => T {
  return (err) => {
    if (err.code === 'ENOENT') return value;
    throw err;
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, ifMissing(false));
}

/** Where an item file's IDs are: `<base>.ids.jsonl`, `<base>.ids.index.json`. */
const IDS = '.ids';

/** An item file and its IDs file, written line for line together (same line numbers, own offsets). */
class ItemFiles {
  /** What `create(base)` makes, after `base`: the IDs files first (see prepareAttempt). */
  static readonly files = [`${IDS}.index.json`, `${IDS}.jsonl`, '.index.json', '.jsonl'];

  private constructor(
    private readonly items: IndexedLineWriter,
    private readonly ids: IndexedLineWriter,
  ) {}

  static async create(base: string): Promise<ItemFiles> {
    return new ItemFiles(await IndexedLineWriter.create(base), await IndexedLineWriter.create(`${base}${IDS}`));
  }

  /** Item lines (`{i, id, m}`); their IDs lines are the same up to `m`. */
  async write(lines: string[]): Promise<void> {
    await this.items.write(lines);
    await this.ids.write(lines.map(idsLine));
  }

  async finish(): Promise<void> {
    await Promise.all([this.items.finish(), this.ids.finish()]);
  }
}

/** `{"i":…,"id":…}` of an item line `{"i":…,"id":…,"m":[…]}`: its text up to "m", closed. */
function idsLine(line: string): string {
  const cut = line.indexOf(',"m":');
  return cut > 0 ? `${line.slice(0, cut)}}` : line;
}

/** `<base>.jsonl` with `<base>.index.json`: the byte offset of line 0, INDEX_EVERY, 2·INDEX_EVERY, ... */
class IndexedLineWriter {
  private lines = 0;
  private bytes = 0;
  private readonly offsets: number[] = [];
  private done = false;

  private constructor(
    private readonly base: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(base: string): Promise<IndexedLineWriter> {
    return new IndexedLineWriter(base, await open(`${base}.jsonl`, 'w'));
  }

  async write(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    for (const line of lines) {
      if (this.lines % INDEX_EVERY === 0) this.offsets.push(this.bytes);
      this.bytes += Buffer.byteLength(line) + 1;
      this.lines += 1;
    }
    await this.handle.write(lines.join('\n') + '\n');
  }

  async finish(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.handle.close();
    await writeFile(`${this.base}.index.json`, JSON.stringify({ every: INDEX_EVERY, lines: this.lines, offsets: this.offsets }));
  }
}

interface LineIndex {
  every: number;
  lines: number;
  offsets: number[];
}

async function readIndex(base: string): Promise<LineIndex> {
  return JSON.parse(await readFile(`${base}.index.json`, 'utf8')) as LineIndex;
}

/** Lines `from` .. `from + count - 1` of an indexed file: one seek, then a sequential read. */
async function* readLineRange(base: string, from: number, count?: number): AsyncIterable<string> {
  for await (const lines of readLineRangeBatches(base, from, count)) yield* lines;
}

/** `readLineRange` a batch of lines at a time, for readers that handle each line synchronously. */
async function* readLineRangeBatches(base: string, from: number, count?: number): AsyncIterable<string[]> {
  const index = await readIndex(base);
  const end = Math.min(index.lines, count === undefined ? Infinity : from + count);
  if (from >= end) return;
  const block = Math.floor(from / index.every);
  let line = block * index.every;
  for await (const lines of lineBatches(`${base}.jsonl`, index.offsets[block])) {
    // The batch's share of [from, end): lines before `from` (in the first block) and after `end` are cut.
    const lo = Math.max(0, from - line);
    const hi = Math.min(lines.length, end - line);
    line += lines.length;
    if (lo < hi) yield lo === 0 && hi === lines.length ? lines : lines.slice(lo, hi);
    if (line >= end) return;
  }
}

/** The lines at the given (ascending) positions of an indexed file, reading only the blocks that hold them. */
async function* readIndexedLines(base: string, positions: number[]): AsyncIterable<string> {
  if (positions.length === 0) return;
  const index = await readIndex(base);
  let i = 0;
  while (i < positions.length) {
    const block = Math.floor(positions[i]! / index.every);
    const blockEnd = (block + 1) * index.every;
    const want = new Set<number>();
    while (i < positions.length && positions[i]! < blockEnd) want.add(positions[i++]!);
    let line = block * index.every;
    for await (const text of readLineRange(base, line, index.every)) {
      if (want.has(line)) yield text;
      line += 1;
    }
  }
}
