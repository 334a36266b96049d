/**
 * Results ingest: parse + validate + store of 100,000 OpenAI results through the real fetch path
 * (`createFetchResults` under MockActivityEnvironment), into the file store and the PostgreSQL
 * store; and request-write throughput (`writeRequests`, as `start` does) into each.
 * Targets: ingest at least 100,000 results/s (file) and 50,000/s (PostgreSQL).
 *
 *   npm run bench -- results-ingest [--n 100000] [--rounds 5] [--store file|postgres]
 *
 * The output files are made by the emulator's own engine and line writer (bench/lib/output-lines.ts:
 * the real shape and size, ~5% invalid JSON or schema mismatches) and held in memory as bytes: the
 * adapter here hands each file, in 64 KiB reads as fetch's body gives them, to the OpenAI adapter's
 * own reader (`parsedResults`: decode, split, parse, in the parse thread). Only the HTTP transfer is
 * left out, to isolate what durabatch adds: read, classify with zod, write outcomes to the store.
 * The file store runs a second time with the parse thread off (DURABATCH_PARSE_THREAD=off), for
 * the ratio of the two in the same run.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createFetchResults, type FetchInput } from '../activities/fetch-results';
import { DEFAULT_RETRY_ON, DEFAULT_TIMING, type ChunkResultSummary, type JobRef, type RequestsRef } from '../src/job';
import type { ProviderRegistry } from '../src/providers';
import { parsedResults } from '../src/providers/parsed-results';
import type { ProviderAdapter, RawItemResult } from '../src/providers/types';
import { FileJobStore, PgJobStore, type JobStore } from '../src/store';
import { JobChecker } from '../src/validate-job';
import { writeRequests } from '../src/write-requests';
import { createTestDatabase } from '../test/helpers/pg';
import { figure, median, note, nowMs, option, RssSampler, vmHwmMb } from './lib/report';
import { generateRequests, MODEL, PARAMS, User } from './lib/requests';

const n = option('n', 100_000);
/** Five: this machine's speed swings by a fifth within minutes, and the median of five rounds moves less than one of three. */
const rounds = option('rounds', 5);
/** One store alone (for a profile of it); both by default. */
const only = storeOption();
/** OpenAI's per-batch maximum: the largest chunk a fetch ever reads. */
const CHUNK = 50_000;
const WARMUP_N = 5_000;
/** Bytes per read of a download: what fetch's body gives at a time. */
const READ_BYTES = 64 * 1024;

const meta = { provider: 'openai', model: MODEL, schemaName: 'User' };

/** A job's output files, one per chunk, and the lines in each. */
interface Output {
  files: Buffer[];
  sizes: number[];
}

/** Each chunk's output file: made in a child process (bench/lib/output-lines.ts), read back here. */
function outputFiles(dir: string, prefix: string, count: number): Output {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'lib', 'output-lines.ts'), dir, prefix, String(count), String(CHUNK)],
    {
      cwd: join(__dirname, '..'),
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (res.status !== 0) throw new Error(`output-lines.ts failed (exit ${res.status ?? res.signal})`);
  const files: Buffer[] = [];
  for (let k = 0; k * CHUNK < count; k++) files.push(readFileSync(join(dir, `${prefix}-c${k}.jsonl`)));
  return { files, sizes: files.map(lineCount) };
}

/** A file as a download's body: each read a buffer of its own, as a network read is. */
function bodyOf(file: Buffer): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= file.length) return controller.close();
      controller.enqueue(new Uint8Array(file.subarray(at, (at += READ_BYTES))));
    },
  });
}

/** Lines in a file (for the count check). */
const lineCount = (file: Buffer) => file.toString('utf8').split('\n').filter(Boolean).length;

/** As `start` writes a job: every request checked (shape, IDs, size in the provider's dialect) while it streams in. */
async function writeJob(store: JobStore, jobId: string, count: number): Promise<RequestsRef> {
  const checker = new JobChecker({
    jobId,
    provider: 'openai',
    model: MODEL,
    schemaName: 'User',
    schema: User,
    params: PARAMS,
    maxAttempts: 3,
    timing: DEFAULT_TIMING,
  });
  return writeRequests(store, jobId, generateRequests(count), checker, meta);
}

/** Every chunk of a job through the real fetch activity, one after another as the workflow runs them; their summaries. */
async function ingest(store: JobStore, jobId: string, source: RequestsRef, { files, sizes }: Output): Promise<ChunkResultSummary[]> {
  const adapter = {
    // As the OpenAI adapter reads an output file once it is downloading.
    results: (batchId: string): AsyncIterable<RawItemResult[]> => parsedResults(bodyOf(files[Number(batchId)]!), 'openai'),
  } as unknown as ProviderAdapter;
  const providers = { get: () => adapter } as unknown as ProviderRegistry;
  const fetchResults = createFetchResults({ providers, store, schemas: { User } });
  const ref: JobRef = {
    jobId,
    provider: 'openai',
    model: MODEL,
    schemaName: 'User',
    params: PARAMS,
    retryOn: DEFAULT_RETRY_ON,
    runId: randomUUID(),
    source,
  };
  const summaries: ChunkResultSummary[] = [];
  for (let c = 0, offset = 0; c < files.length; offset += sizes[c]!, c++) {
    const input: FetchInput = {
      chunk: { attempt: 1, index: c, offset, size: sizes[c]! },
      batchId: String(c),
      batchState: 'completed',
    };
    summaries.push((await new MockActivityEnvironment().run(fetchResults, ref, input)) as ChunkResultSummary);
  }
  return summaries;
}

async function bench(label: string, store: JobStore, chunks: Output, warmup: Output): Promise<void> {
  // Warm-up on a small job: JIT, the store's first directories / prepared connections.
  const warm = await writeJob(store, `warmup-${label}`, WARMUP_N);
  await ingest(store, `warmup-${label}`, warm, warmup);

  const writeRates: number[] = [];
  const ingestRates: number[] = [];
  const cpuPerResult: number[] = [];
  let summaries: ChunkResultSummary[] = [];
  global.gc?.();
  const rss = new RssSampler(50);
  for (let round = 0; round < rounds; round++) {
    const jobId = `ingest-${label}-${round}`;
    // Each timed part starts from a collected heap: one round's garbage is not the next one's cost.
    global.gc?.();
    let t0 = nowMs();
    const source = await writeJob(store, jobId, n);
    writeRates.push(n / ((nowMs() - t0) / 1000));
    global.gc?.();
    t0 = nowMs();
    const cpu0 = process.cpuUsage();
    summaries = await ingest(store, jobId, source, chunks);
    ingestRates.push(n / ((nowMs() - t0) / 1000));
    const cpu = process.cpuUsage(cpu0);
    cpuPerResult.push((cpu.user + cpu.system) / n);
  }
  const peak = rss.stop();
  const ok = summaries.reduce((s, x) => s + x.succeeded, 0);
  const failed = summaries.reduce((s, x) => s + x.failed, 0);
  note(
    `${label}: ${n.toLocaleString('en')} results in ${chunks.files.length} chunks, ${ok} ok + ${failed} failed; ` +
      `write ${writeRates.map((r) => Math.round(r)).join(', ')} req/s; ingest ${ingestRates.map((r) => Math.round(r)).join(', ')} results/s`,
  );
  figure(`results_ingest.${label}.results_per_s`, median(ingestRates), 'results/s');
  // The process's CPU time (every thread: this one, the parse thread, the collector's, libuv's) per
  // result: the work a result costs, whatever the wall time; on two cores it bounds results/s.
  figure(`results_ingest.${label}.cpu_per_result`, median(cpuPerResult), 'µs');
  figure(`results_ingest.${label}.request_write_per_s`, median(writeRates), 'requests/s');
  figure(`results_ingest.${label}.peak_rss`, peak, 'MiB');
}

async function main(): Promise<void> {
  const t0 = nowMs();
  const dir = await mkdtemp(join(tmpdir(), 'durabatch-bench-ingest-'));
  try {
    const chunks = outputFiles(dir, 'ingest', n);
    const warmup = outputFiles(dir, 'warmup', WARMUP_N);
    const bytes = chunks.files.reduce((s, f) => s + f.length, 0);
    global.gc?.();
    note(
      `output lines made in ${((nowMs() - t0) / 1000).toFixed(1)} s: ${(bytes / 1e6).toFixed(0)} MB; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB with them in memory`,
    );
    // What the process holds before any store work: the output lines themselves (in memory, see above).
    figure('results_ingest.baseline_rss', process.memoryUsage().rss / 2 ** 20, 'MiB');
    await benchStores(dir, chunks, warmup);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  figure('results_ingest.process_peak_rss', vmHwmMb() ?? NaN, 'MiB');
}

function storeOption(): 'file' | 'postgres' | undefined {
  const args = process.argv.slice(2);
  const at = args.indexOf('--store');
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value !== 'file' && value !== 'postgres') throw new Error(`--store takes file or postgres, got ${value}`);
  return value;
}

async function benchStores(dir: string, chunks: Output, warmup: Output): Promise<void> {
  if (only !== 'postgres') await benchFile(dir, chunks, warmup);
  if (only !== 'file') await benchPg(chunks, warmup);
}

async function benchFile(dir: string, chunks: Output, warmup: Output): Promise<void> {
  const fileStore = await FileJobStore.open(join(dir, 'store'));
  await bench('file', fileStore, chunks, warmup);
  // The same without the parse thread: what it adds, in this run.
  process.env.DURABATCH_PARSE_THREAD = 'off';
  await bench('file_parse_inline', fileStore, chunks, warmup);
  delete process.env.DURABATCH_PARSE_THREAD;
  await fileStore.close();
}

async function benchPg(chunks: Output, warmup: Output): Promise<void> {
  const db = await createTestDatabase();
  try {
    const store = await PgJobStore.open(db.url);
    try {
      await bench('postgres', store, chunks, warmup);
    } finally {
      await store.close();
    }
  } finally {
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
