/**
 * `npm run demo`: the example job end to end on the embedded default — a local Temporal dev
 * server (kept running afterwards for its Web UI), the emulator unless a real API key is set,
 * and an in-process worker.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Durabatch } from '../client';
import { dataConverterFromEnv } from '../codec';
import { durabatchHome } from '../config';
import { ensureDevServer } from '../devserver';
import { startEmulator, type Emulator } from '../emulator';
import { EXAMPLE_MODELS, EXAMPLE_REQUESTS, exampleSchemas, User } from '../examples';
import { API_KEY_VARS } from '../providers';
import { SEARCH_ATTRIBUTES } from '../search-attributes';
import { defaultStoreUrl, openStore } from '../store';
import type { ProviderName } from '../types';
import { createDurabatchWorker } from '../worker';
import { watch } from './status-line';

export interface DemoOptions {
  provider: ProviderName;
  model?: string;
  /** Cancel the job this many ms after it starts (shows the cancel path). */
  cancelAfterMs?: number;
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const log = (line: string) => console.log(`  ${line}`);
  const realKey = API_KEY_VARS[opts.provider].find((v) => process.env[v]);
  const model = opts.model ?? EXAMPLE_MODELS[opts.provider];
  console.log(`durabatch demo: ${opts.provider} ${model}, 3 requests`);

  const server = await ensureDevServer({ dataDir: durabatchHome(), searchAttributes: { ...SEARCH_ATTRIBUTES }, log });
  log(`Temporal dev server at ${server.address}${server.reused ? ' (already running)' : ''}`);

  let emulator: Emulator | undefined;
  if (realKey) {
    log(`${realKey} is set: the job runs against the real ${opts.provider} Batch API (it may take minutes to hours).`);
  } else {
    emulator = await startEmulator({ port: 0, faults: { validatingMs: 300, processingMs: 2500, finalizingMs: 300 } });
    log(`answers come from the local emulator at ${emulator.url}, not from ${opts.provider}.`);
    log(`to run the same job against the real API: ${API_KEY_VARS[opts.provider][0]}=... npm run demo -- --provider ${opts.provider}`);
  }

  const store = await openStore(defaultStoreUrl());
  const taskQueue = `durabatch-demo-${process.pid}`;
  const worker = await createDurabatchWorker({
    schemas: exampleSchemas,
    address: server.address,
    taskQueue,
    store,
    providers: emulator ? { emulatorUrl: emulator.url } : {},
  });
  const workerRun = worker.run();
  const connection = await Connection.connect({ address: server.address });
  try {
    const durabatch = new Durabatch(new Client({ connection, dataConverter: dataConverterFromEnv() }), {
      schemas: exampleSchemas,
      taskQueue,
      store,
    });
    const job = await durabatch.start({
      provider: opts.provider,
      model,
      schema: User,
      requests: EXAMPLE_REQUESTS,
      maxTokens: 150,
      temperature: 0.1,
      timing: realKey ? {} : { pollInitialMs: 500, pollMaxMs: 2000 },
    });
    console.log(`\njob ${job.jobId} started`);
    if (opts.cancelAfterMs !== undefined) setTimeout(() => void job.cancel('demo --cancel-after'), opts.cancelAfterMs);
    const summary = job.result();
    await watch(() => job.status(), summary);
    const done = await summary;
    const results = await job.allResults();

    console.log(
      `\n${done.phase}: ${done.counts.succeeded} succeeded, ${done.counts.failed} failed` +
        ` · ${done.usage.inputTokens} input / ${done.usage.outputTokens} output tokens`,
    );
    for (const r of results) {
      console.log(
        r.ok
          ? `  ✔ ${r.customId}: ${JSON.stringify(r.data)}`
          : `  ✘ ${r.customId}: ${r.error.type} after ${r.attempts} attempt(s): ${r.error.message}`,
      );
    }
    console.log(`\nresults stored in ${await job.resultsLocation()}`);
    console.log(`watch it in the Temporal Web UI: ${server.uiUrl ?? 'http://localhost:8233'}/namespaces/default/workflows/${job.jobId}`);
    if (!server.reused) console.log('the dev server keeps running for the UI; stop it with: npx durabatch server stop');
  } finally {
    worker.shutdown();
    await workerRun;
    await connection.close();
    await emulator?.close();
    await store.close();
  }
}
