import { access } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createDurabatch } from '../client';
import { CODEC_KEYS_ENV, codecFromEnv, DEFAULT_UI_ORIGIN, startCodecServer } from '../codec';
import { durabatchHome } from '../config';
import { stopDetachedDevServer } from '../devserver';
import type { SchemaRegistry } from '../schema';
import { defaultStoreUrl } from '../store';
import { startEmulator } from '../emulator';
import { PROVIDERS, type ProviderName } from '../types';
import { createDurabatchWorker } from '../worker';
import { runDemo } from './demo';
import { loadSchemas } from './load-schemas';
import { readRequests } from './read-requests';
import { writeResults } from './write-results';
import { watch } from './status-line';

const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};
const num = (value: string) => {
  const n = Number(value);
  if (Number.isNaN(n)) throw new InvalidArgumentError('expected a number');
  return n;
};
const providerOption = () => new Option('-p, --provider <provider>', 'provider').choices(PROVIDERS).default('openai');

const program = new Command('durabatch')
  .description('Durable LLM batch jobs on Temporal (OpenAI, Anthropic, Gemini)')
  .option('--address <host:port>', 'Temporal frontend (default $TEMPORAL_ADDRESS or 127.0.0.1:7233)')
  .option('--store <url>', 'job store: a directory or postgres://... (default $DURABATCH_STORE or $DURABATCH_HOME/store)')
  .showHelpAfterError();

program
  .command('demo')
  .description('run the example job on a local dev server and the emulator (or the real API when its key is set)')
  .addOption(providerOption())
  .option('-m, --model <model>', 'model (default: a small model of the provider)')
  .option('--cancel-after <ms>', 'cancel the job after this many ms', int)
  .action((o) => runDemo({ provider: o.provider as ProviderName, model: o.model, cancelAfterMs: o.cancelAfter }));

program
  .command('worker')
  .description('run a worker for batchJobWorkflow')
  .option('--emulator <url>', 'send every provider call to this emulator instead of the real APIs')
  .option('--schemas <module>', 'module exporting `schemas` (default: the example schemas)')
  .option('--task-queue <name>', 'task queue', 'durabatch')
  .action(async (o) => {
    const worker = await createDurabatchWorker({
      schemas: loadSchemas(o.schemas),
      address: program.opts().address,
      store: program.opts().store,
      taskQueue: o.taskQueue,
      providers: o.emulator ? { emulatorUrl: o.emulator } : {},
    });
    console.log(
      `worker on task queue ${o.taskQueue}, job store ${program.opts().store ?? defaultStoreUrl()}` +
        (o.emulator ? ` (providers: emulator at ${o.emulator})` : ''),
    );
    await worker.run();
  });

program
  .command('emulator')
  .description('serve the OpenAI, Anthropic and Gemini batch APIs locally')
  .option('--port <n>', 'port (0 = any free port)', int, 8787)
  .option('--host <host>', 'interface', '127.0.0.1')
  .option('--processing-ms <ms>', 'time a batch spends in progress', int)
  .option('--item-error-rate <r>', 'share of items answered with a provider error', num)
  .option('--invalid-json-rate <r>', 'share of items answered with text that is not JSON', num)
  .option('--schema-mismatch-rate <r>', 'share of items answered with JSON of the wrong shape', num)
  .option('--batch-failure', 'fail every batch at validation')
  .option('--expire', 'let every batch expire half done')
  .option('--unknown-model <model...>', 'answer these models as not existing, the way each provider does')
  .action(async (o) => {
    const faults = Object.fromEntries(
      Object.entries({
        processingMs: o.processingMs,
        itemErrorRate: o.itemErrorRate,
        invalidJsonRate: o.invalidJsonRate,
        schemaMismatchRate: o.schemaMismatchRate,
        batchFailure: o.batchFailure,
        expire: o.expire,
        unknownModels: o.unknownModel,
      }).filter(([, v]) => v !== undefined),
    );
    const emulator = await startEmulator({ port: o.port, host: o.host, faults });
    console.log(`durabatch emulator listening on ${emulator.url}`);
    console.log(`  OpenAI    baseURL ${emulator.url}/v1\n  Anthropic baseURL ${emulator.url}\n  Gemini    baseUrl ${emulator.url}`);
    console.log(`  knobs: GET/POST ${emulator.url}/_emulator/config · batches created: GET ${emulator.url}/_emulator/stats`);
  });

program
  .command('start')
  .description('start a job from a JSONL file of requests')
  .requiredOption('-r, --requests <file>', 'JSONL: each line a message list or {customId, messages} ("-" for stdin)')
  .requiredOption('-s, --schema <name>', 'registered schema name')
  .addOption(providerOption())
  .requiredOption('-m, --model <model>', 'model')
  .option('--schemas <module>', 'module exporting `schemas` (default: the example schemas)')
  .option('--job-id <id>', 'job ID (default: generated)')
  .option('--max-tokens <n>', 'max tokens per answer', int)
  .option('--temperature <t>', 'temperature', num)
  .option('--max-attempts <n>', 'submissions per item', int, 3)
  .option('--task-queue <name>', 'task queue', 'durabatch')
  .option('--poll <ms>', 'first wait between polls of the provider (default 30000)', int)
  .option('--poll-max <ms>', 'longest wait between polls (default 600000)', int)
  .option('-w, --watch', 'show a live status line until the job ends')
  .action(async (o) => {
    const schemas = loadSchemas(o.schemas);
    const schema = schemas[o.schema];
    if (!schema) throw new Error(`no schema named "${o.schema}" (have: ${Object.keys(schemas).join(', ')})`);
    // A missing file is said at once, not after connecting to Temporal.
    if (o.requests !== '-') await access(o.requests).catch(() => Promise.reject(new Error(`${o.requests}: no such file`)));
    const durabatch = await connect({ schemas, taskQueue: o.taskQueue });
    const job = await durabatch.start({
      provider: o.provider,
      model: o.model,
      schema,
      requests: readRequests(o.requests),
      jobId: o.jobId,
      maxTokens: o.maxTokens,
      temperature: o.temperature,
      maxAttempts: o.maxAttempts,
      timing: {
        ...(o.poll !== undefined && { pollInitialMs: o.poll }),
        ...(o.pollMax !== undefined && { pollMaxMs: o.pollMax }),
      },
    });
    console.log(job.jobId);
    if (!o.watch) return;
    await watch(() => job.status(), job.result());
    // A failed job rejects here: its reason is printed and the exit status is 1.
    const summary = await job.result();
    console.log(`${summary.phase}: ${summary.counts.succeeded} succeeded, ${summary.counts.failed} failed`);
  });

const jobCommand = (name: string, description: string) =>
  program.command(`${name} <jobId>`).description(description).option('--schemas <module>', 'module exporting `schemas`');

jobCommand('status', 'print a job\'s status as JSON').action(async (jobId, o) => {
  const durabatch = await connect({ schemas: loadSchemas(o.schemas) });
  console.log(JSON.stringify(await durabatch.getJob(jobId).status(), null, 2));
});

jobCommand('cancel', 'cancel a job (keeps what finished)').action(async (jobId, o) => {
  const durabatch = await connect({ schemas: loadSchemas(o.schemas) });
  await durabatch.getJob(jobId).cancel('durabatch cancel');
  console.log(`cancel sent to ${jobId}`);
});

jobCommand('results', 'wait for a job and write one outcome per line (JSONL), in request order')
  .option('-o, --out <file>', 'write to this file instead of stdout')
  .addOption(new Option('--only <which>', 'only successes or only failures').choices(['ok', 'errors']))
  .action(async (jobId, o) => {
    const durabatch = await connect({ schemas: loadSchemas(o.schemas) });
    const written = await writeResults(durabatch.getJob(jobId).results({ only: o.only }), o.out);
    if (o.out) console.error(`${written} outcomes written to ${o.out}`);
  });

/** A client on the Temporal address and job store the global options name. */
function connect(options: { schemas: SchemaRegistry; taskQueue?: string }) {
  return createDurabatch({ ...options, address: program.opts().address, store: program.opts().store });
}

program
  .command('codec-server')
  .description(`serve the Temporal codec-server protocol (POST /encode, /decode) with the keys in $${CODEC_KEYS_ENV}, for the Web UI`)
  .option('--port <n>', 'port (0 = any free port)', int, 8888)
  .option('--host <host>', 'interface (whoever reaches it can decrypt every payload)', '127.0.0.1')
  .option('--ui-origin <origin...>', 'Web UI origin(s) allowed to call it (CORS)', [DEFAULT_UI_ORIGIN])
  .action(async (o) => {
    const codec = codecFromEnv();
    if (!codec) throw new Error(`${CODEC_KEYS_ENV} is not set: give it id:base64key[,id:base64key...] (32-byte keys, the first is the current one)`);
    const codecServer = await startCodecServer({ codec, port: o.port, host: o.host, uiOrigins: o.uiOrigin, log: (m) => console.error(m) });
    console.log(`durabatch codec server listening on ${codecServer.url} (keys: ${codec.keyIds.join(', ')}; current ${codec.currentKeyId})`);
    console.log(`  allowed UI origin(s): ${[o.uiOrigin].flat().join(', ')}`);
    console.log(`  start the UI with it: temporal server start-dev --ui-codec-endpoint ${codecServer.url}`);
  });

const server = program.command('server').description('the local Temporal dev server the demo starts');
server.command('stop').action(async () => {
  console.log((await stopDetachedDevServer(durabatchHome())) ? 'dev server stopped' : 'no dev server started by durabatch is running');
});

program.parseAsync().then(
  () => {
    // Connections to Temporal keep the event loop alive; one-shot commands end here.
    const longRunning = ['worker', 'emulator', 'codec-server'].includes(program.args[0] ?? '');
    if (!longRunning) process.exit(0);
  },
  (err: unknown) => {
    console.error(`durabatch: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
