/**
 * Results ingest: parse + validate + store of 100,000 OpenAI results through the real fetch path
 * (`createFetchResults` under MockActivityEnvironment), into the file store and the PostgreSQL
 * store; and request-write throughput (`writeRequests`, as `start` does) into each.
 * Targets: ingest at least 100,000 results/s (file) and 50,000/s (PostgreSQL).
 *
 *   npm run bench -- results-ingest [--n 100000] [--rounds 3]
 *
 * The output file is made by the emulator's own engine and line writer (so lines have the real
 * shape and size, with ~5% invalid JSON or schema mismatches) and held in memory: the adapter here
 * only yields `parseOutputLine` of each line. HTTP download and line splitting are left out on
 * purpose, to isolate what durabatch adds: parse, classify with zod, write outcomes to the store.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createFetchResults, type FetchInput } from '../activities/fetch-results';
import { BatchEngine, type EmulatedItem } from '../src/emulator';
import { resultLine } from '../src/emulator/openai-wire';
import { DEFAULT_RETRY_ON, DEFAULT_TIMING, type ChunkResultSummary, type JobRef, type RequestsRef } from '../src/job';
import type { ProviderRegistry } from '../src/providers';
import { parseOutputLine } from '../src/providers/openai-lines';
import type { ProviderAdapter, RawItemResult } from '../src/providers/types';
import { toCanonicalJsonSchema } from '../src/schema';
import { toOpenAIStrictSchema } from '../src/schema/openai-strict';
import { FileJobStore, PgJobStore, type JobStore } from '../src/store';
import { JobChecker } from '../src/validate-job';
import { writeRequests } from '../src/write-requests';
import { createTestDatabase } from '../test/helpers/pg';
import { figure, median, note, nowMs, option, RssSampler, vmHwmMb } from './lib/report';
import { generateRequests, MODEL, PARAMS, requestFor, User } from './lib/requests';

const n = option('n', 100_000);
const rounds = option('rounds', 3);
/** OpenAI's per-batch maximum: the largest chunk a fetch ever reads. */
const CHUNK = 50_000;
const WARMUP_N = 5_000;

const jsonSchema = toCanonicalJsonSchema(User, 'User');
const meta = { provider: 'openai', model: MODEL, schemaName: 'User' };

/** Output lines per chunk, as the emulator writes them for a batch of those requests. */
function outputLines(count: number): string[][] {
  const engine = new BatchEngine({
    faults: { validatingMs: 0, processingMs: 0, finalizingMs: 0, invalidJsonRate: 0.025, schemaMismatchRate: 0.025 },
  });
  const strict = toOpenAIStrictSchema(jsonSchema);
  const chunks: string[][] = [];
  for (let from = 0; from < count; from += CHUNK) {
    const items: EmulatedItem[] = [];
    for (let i = from; i < Math.min(count, from + CHUNK); i++) {
      const r = requestFor(i);
      items.push({ customId: r.customId, messages: r.messages, jsonSchema: strict, maxTokens: PARAMS.maxTokens });
    }
    const batch = engine.create('openai', { idPrefix: 'batch_', tag: `bench/a1/c${chunks.length}`, model: MODEL, items });
    const results = engine.results(batch)!;
    const ended = batch.createdAtMs;
    chunks.push(results.map((result) => JSON.stringify(resultLine(batch, result, ended).line)));
  }
  return chunks;
}

/** As `start` writes a job: every request checked (shape, IDs, size in the provider's dialect) while it streams in. */
async function writeJob(store: JobStore, jobId: string, count: number): Promise<RequestsRef> {
  const checker = new JobChecker({ jobId, provider: 'openai', model: MODEL, schemaName: 'User', schema: User, params: PARAMS, maxAttempts: 3, timing: DEFAULT_TIMING });
  return writeRequests(store, jobId, generateRequests(count), checker, meta);
}

/** Every chunk of a job through the real fetch activity; returns the summed summary. */
async function ingest(store: JobStore, jobId: string, source: RequestsRef, chunks: string[][]): Promise<ChunkResultSummary[]> {
  const adapter = {
    async *results(batchId: string): AsyncIterable<RawItemResult> {
      for (const line of chunks[Number(batchId)]!) yield parseOutputLine(line);
    },
  } as unknown as ProviderAdapter;
  const providers = { get: () => adapter } as unknown as ProviderRegistry;
  const fetchResults = createFetchResults({ providers, store, schemas: { User } });
  const ref: JobRef = { jobId, provider: 'openai', model: MODEL, schemaName: 'User', params: PARAMS, retryOn: DEFAULT_RETRY_ON, runId: randomUUID(), source };
  const summaries: ChunkResultSummary[] = [];
  for (let c = 0, offset = 0; c < chunks.length; offset += chunks[c]!.length, c++) {
    const input: FetchInput = { chunk: { attempt: 1, index: c, offset, size: chunks[c]!.length }, batchId: String(c), batchState: 'completed' };
    summaries.push((await new MockActivityEnvironment().run(fetchResults, ref, input)) as ChunkResultSummary);
  }
  return summaries;
}

async function bench(label: string, store: JobStore, chunks: string[][], warmup: string[][]): Promise<void> {
  // Warm-up on a small job: JIT, the store's first directories / prepared connections.
  const warm = await writeJob(store, `warmup-${label}`, WARMUP_N);
  await ingest(store, `warmup-${label}`, warm, warmup);

  const writeRates: number[] = [];
  const ingestRates: number[] = [];
  let summaries: ChunkResultSummary[] = [];
  global.gc?.();
  const rss = new RssSampler(50);
  for (let round = 0; round < rounds; round++) {
    const jobId = `ingest-${label}-${round}`;
    let t0 = nowMs();
    const source = await writeJob(store, jobId, n);
    writeRates.push(n / ((nowMs() - t0) / 1000));
    t0 = nowMs();
    summaries = await ingest(store, jobId, source, chunks);
    ingestRates.push(n / ((nowMs() - t0) / 1000));
  }
  const peak = rss.stop();
  const ok = summaries.reduce((s, x) => s + x.succeeded, 0);
  const failed = summaries.reduce((s, x) => s + x.failed, 0);
  note(
    `${label}: ${n.toLocaleString('en')} results in ${chunks.length} chunks, ${ok} ok + ${failed} failed; ` +
      `write ${writeRates.map((r) => Math.round(r)).join(', ')} req/s; ingest ${ingestRates.map((r) => Math.round(r)).join(', ')} results/s`,
  );
  figure(`results_ingest.${label}.results_per_s`, median(ingestRates), 'results/s');
  figure(`results_ingest.${label}.request_write_per_s`, median(writeRates), 'requests/s');
  figure(`results_ingest.${label}.peak_rss`, peak, 'MiB');
}

async function main(): Promise<void> {
  const t0 = nowMs();
  const chunks = outputLines(n);
  const warmup = outputLines(WARMUP_N);
  const bytes = chunks.flat().reduce((s, l) => s + Buffer.byteLength(l) + 1, 0);
  // The engine that made the lines is garbage now; collected, it does not inflate the stores' figures.
  global.gc?.();
  note(`output lines made in ${((nowMs() - t0) / 1000).toFixed(1)} s: ${(bytes / 1e6).toFixed(0)} MB; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB with them in memory`);
  figure('results_ingest.baseline_rss', process.memoryUsage().rss / 2 ** 20, 'MiB');

  const dir = await mkdtemp(join(tmpdir(), 'durabatch-bench-ingest-'));
  try {
    const store = await FileJobStore.open(dir);
    await bench('file', store, chunks, warmup);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

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
  figure('results_ingest.process_peak_rss', vmHwmMb() ?? NaN, 'MiB');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
