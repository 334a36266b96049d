/**
 * The chaos runner: many jobs on a real dev server, worker processes and the emulator, while a
 * seeded schedule of faults hits them: workers SIGKILLed at random moments (some inside the create
 * window: the provider has made the batch, the activity has not returned), the dev server restarted
 * on its database, the emulator SIGKILLed and started again on its state directory (a provider
 * outage), 401 windows, 429 and 5xx storms, stalled downloads. Afterwards every request must have
 * exactly one outcome, the right one, and every (job, attempt, chunk) exactly one provider batch.
 *
 * The emulator runs in a child process so it can be killed like the rest; it is steered and counted
 * over its admin API, and its stats come from its state directory, so they span every restart.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Durabatch } from '../src/client';
import { freePort, startDevServer, type DevServer } from '../src/devserver';
import { startChildEmulator, type ChildEmulator } from '../src/emulator';
import { EXAMPLE_MODELS } from '../src/examples';
import { SEARCH_ATTRIBUTES } from '../src/search-attributes';
import { openStore } from '../src/store';
import { PROVIDERS, type ProviderName } from '../src/types';
import { killHard, startChildWorker } from '../test/helpers/child-worker';
import { testSchemas, User, userRequests } from '../test/helpers/schemas';

export interface ChaosOptions {
  runs: number;
  seed: number;
  /** Jobs in flight at once. */
  concurrency?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  jobs: number;
  requests: number;
  workerKills: number;
  createWindowKills: number;
  serverRestarts: number;
  emulatorRestarts: number;
  faultWindows: number;
  lost: number;
  duplicated: number;
  wrong: number;
  duplicateBatches: number;
  missingBatches: number;
  seconds: number;
  problems: string[];
}

/** mulberry32: small, seeded, good enough to pick faults reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls `fn` until it succeeds: the client rides out a dev server restart like a person would. */
async function persist<T>(fn: () => Promise<T>, tries = 120): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= tries || (err as Error).name === 'InvalidJobError') throw err;
      await sleep(500);
    }
  }
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => undefined);
  const random = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const started = Date.now();
  const home = await mkdtemp(join(tmpdir(), 'durabatch-chaos-'));
  const report: ChaosReport = {
    jobs: 0,
    requests: 0,
    workerKills: 0,
    createWindowKills: 0,
    serverRestarts: 0,
    emulatorRestarts: 0,
    faultWindows: 0,
    lost: 0,
    duplicated: 0,
    wrong: 0,
    duplicateBatches: 0,
    missingBatches: 0,
    seconds: 0,
    problems: [],
  };

  const port = await freePort();
  const serverOptions = { port, dbFilename: join(home, 'temporal.db'), searchAttributes: { ...SEARCH_ATTRIBUTES } };
  let server: DevServer = await startDevServer(serverOptions);
  const emulatorOptions = {
    stateDir: join(home, 'emulator'),
    faults: { validatingMs: 50, processingMs: 800, finalizingMs: 50, cancellingMs: 50 },
  };
  let emulator: ChildEmulator = await startChildEmulator(emulatorOptions);
  const storeUrl = join(home, 'store');
  const store = await openStore(storeUrl);
  const connection = await Connection.connect({ address: server.address });
  const taskQueue = 'chaos';
  const durabatch = new Durabatch(new Client({ connection }), { schemas: testSchemas, taskQueue, store });
  // Workers keep this URL: a restarted emulator comes back on the same port.
  const stack = { server: { address: server.address }, emulator: { url: emulator.url }, taskQueue, storeUrl };

  let worker: ChildProcess | undefined;
  let stopping = false;
  const startWorker = async () => {
    worker = await persist(() => startChildWorker(stack));
  };
  const killWorker = async () => {
    if (worker) await killHard(worker);
    worker = undefined;
  };
  await startWorker();

  // The schedule: one fault every 1-3 s until every job has ended.
  const chaos = (async () => {
    while (!stopping) {
      await sleep(1000 + random() * 2000);
      if (stopping) break;
      const roll = random();
      if (roll < 0.45) {
        report.workerKills += 1;
        await killWorker();
        await sleep(random() * 1500);
        await startWorker();
      } else if (roll < 0.55) {
        // Inside the create window: the provider registers the batch, then answers late.
        report.createWindowKills += 1;
        await emulator.configure({ createDelayMs: 1500 });
        await sleep(300 + random() * 900);
        await killWorker();
        await emulator.configure({ createDelayMs: 0 });
        await startWorker();
      } else if (roll < 0.67) {
        report.serverRestarts += 1;
        await server.stop();
        server = await persist(() => startDevServer(serverOptions));
      } else if (roll < 0.8) {
        // Killed hard, whatever it was doing (a create half answered, a download half sent).
        report.emulatorRestarts += 1;
        await emulator.kill();
        await sleep(200 + random() * 1300);
        const { port: emulatorPort } = emulator;
        emulator = await persist(() => startChildEmulator({ ...emulatorOptions, port: emulatorPort }));
      } else {
        report.faultWindows += 1;
        const fault = pick(['401', '429', '500', 'stall'] as const);
        if (fault === 'stall') await emulator.configure({ stallDownloads: 1 });
        else await emulator.configure({ httpErrors: { status: Number(fault) as 401 | 429 | 500, count: 3 + Math.floor(random() * 4) } });
      }
    }
  })();

  // The jobs: each its own size (so no two Anthropic jobs look alike to find-before-create), some items failing once.
  const jobs = Array.from({ length: opts.runs }, (_, i) => {
    const provider: ProviderName = pick(PROVIDERS);
    const n = 3 + i;
    const failing = Array.from({ length: n }, (_, k) => k)
      .filter(() => random() < 0.15)
      .map((k) => `c${i}-${k}`);
    return { jobId: `chaos-${opts.seed}-${i}`, provider, n, prefix: `c${i}`, failing };
  });
  // Stored in the emulator's state directory, so the rules outlive its restarts.
  await emulator.configure({
    itemFaults: jobs.flatMap((j) => j.failing.map((id) => ({ match: id, fault: 'invalid_json' as const, times: 1 }))),
  });

  const chunksWithBatch: string[] = [];
  let next = 0;
  const runOne = async (job: (typeof jobs)[number]) => {
    const requests = userRequests(job.n, job.prefix);
    const handle = await persist(() =>
      durabatch.start({
        jobId: job.jobId,
        provider: job.provider,
        model: EXAMPLE_MODELS[job.provider],
        schema: User,
        requests,
        maxAttempts: 3,
        timing: { pollInitialMs: 200, pollMaxMs: 800, pollFactor: 1.5, heartbeatTimeoutMs: 2000 },
      }),
    );
    const summary = await persist(() => handle.result(), 600);
    for (const c of summary.chunks) if (c.batchId) chunksWithBatch.push(`${job.jobId}/a${c.attempt}/c${c.index}`);
    const results = await persist(() => handle.allResults());
    report.jobs += 1;
    report.requests += job.n;
    const ids = results.map((r) => r.customId);
    const expected = requests.map((r) => r.customId);
    const seen = new Set(ids);
    report.lost += expected.filter((id) => !seen.has(id)).length;
    report.duplicated += ids.length - seen.size;
    for (const r of results) {
      const shouldRetry = job.failing.includes(r.customId);
      const right =
        r.ok &&
        r.attempts === (shouldRetry ? 2 : 1) &&
        (r.data as { email?: string }).email === `p${Number(r.customId.split('-')[1])}@example.com`;
      if (!right) {
        report.wrong += 1;
        report.problems.push(`${job.jobId} ${r.customId}: ${JSON.stringify(r)}`);
      }
    }
    log(`job ${report.jobs}/${opts.runs} ${job.jobId} (${job.provider}, ${job.n} requests): ${summary.phase}`);
  };
  const lanes = Array.from({ length: opts.concurrency ?? 4 }, async () => {
    while (next < jobs.length) await runOne(jobs[next++]!);
  });
  try {
    await Promise.all(lanes);
  } finally {
    stopping = true;
    await chaos.catch(() => undefined);
    const { byTag, batchesCreated } = await emulator.stats();
    report.duplicateBatches = Object.values(byTag).filter((count) => count > 1).length;
    // Every chunk the jobs say they submitted has its batch, and the provider made no batch beyond them.
    report.missingBatches = Math.abs(batchesCreated - chunksWithBatch.length);
    report.seconds = Math.round((Date.now() - started) / 1000);
    await killWorker();
    await connection.close();
    await emulator.stop();
    await server.stop();
    await store.close();
    await rm(home, { recursive: true, force: true });
  }
  return report;
}

export function summaryLine(r: ChaosReport): string {
  return (
    `chaos: ${r.jobs} jobs, ${r.requests} requests, ${r.workerKills} worker kills (+${r.createWindowKills} in the create window), ` +
    `${r.serverRestarts} dev server restarts, ${r.emulatorRestarts} emulator restarts, ${r.faultWindows} fault windows (401/429/5xx/stall) in ${r.seconds} s: ` +
    `${r.lost} lost, ${r.duplicated} duplicated, ${r.wrong} wrong, ${r.duplicateBatches} duplicate batches, ${r.missingBatches} batches unaccounted`
  );
}
