/**
 * The `durabatch` CLI: one file per command under commands/; this file wires them up and turns
 * every way a command can end into an exit status (exit-codes.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { durabatchHome } from '../config';
import type { ProviderName } from '../types';
import { registerCancel } from './commands/cancel';
import { registerCodecServer } from './commands/codec-server';
import { registerDev } from './commands/dev';
import { registerList } from './commands/list';
import { registerResults } from './commands/results';
import { registerServer } from './commands/server';
import { registerStart } from './commands/start';
import { registerStatus } from './commands/status';
import { registerWatch } from './commands/watch';
import { registerWorker } from './commands/worker';
import { EXIT_CODE_TABLE } from './exit-codes';
import { int, num, providerOption } from './options';

// Heavy modules are loaded by the command that needs them, so `--help`, `--version` and a refused
// connection answer in well under a second of CPU. (`require`, not `import()`: with node16
// resolution a dynamic import of a relative path would load it as ESM, a second copy.)
const startEmulator: typeof import('../emulator').startEmulator = (opts) =>
  (require('../emulator') as typeof import('../emulator')).startEmulator(opts);
const runDemo: typeof import('./demo').runDemo = (opts) => (require('./demo') as typeof import('./demo')).runDemo(opts);

const { version } = packageManifest();

const program = new Command('durabatch')
  .description('Durable LLM batch jobs on Temporal (OpenAI, Anthropic, Gemini)')
  .version(version, '-V, --version', 'print the version')
  .option('--address <host:port>', 'Temporal frontend (default $TEMPORAL_ADDRESS or 127.0.0.1:7233)')
  .option('--store <url>', 'job store: a directory or postgres://... (default $DURABATCH_STORE or $DURABATCH_HOME/store)')
  .showHelpAfterError()
  // Usage errors come back here (exit 2, see exit-codes.ts) instead of commander's own exit 1;
  // set before the commands are added, so every command inherits it.
  .exitOverride()
  .addHelpText(
    'after',
    `\nExit status:\n${EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`).join('\n')}`,
  );

program
  .command('demo')
  .description('run the example job on a local dev server and the emulator (or the real API when its key is set)')
  .addOption(providerOption())
  .option('-m, --model <model>', 'model (default: a small model of the provider)')
  .option('--cancel-after <ms>', 'cancel the job after this many ms', int)
  .action((o) => runDemo({ provider: o.provider as ProviderName, model: o.model, cancelAfterMs: o.cancelAfter }));

registerDev(program);
registerWorker(program);

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
  .option('--state-dir <dir>', 'keep batches and files here across restarts (default $DURABATCH_HOME/emulator)')
  .option('--in-memory', 'keep no state on disk')
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
    const stateDir: string | undefined = o.inMemory ? undefined : (o.stateDir ?? join(durabatchHome(), 'emulator'));
    const emulator = await startEmulator({ port: o.port, host: o.host, faults, stateDir });
    console.log(`durabatch emulator listening on ${emulator.url} (state: ${stateDir ?? 'in memory'})`);
    console.log(`  OpenAI    baseURL ${emulator.url}/v1\n  Anthropic baseURL ${emulator.url}\n  Gemini    baseUrl ${emulator.url}`);
    console.log(`  knobs: GET/POST ${emulator.url}/_emulator/config · batches created: GET ${emulator.url}/_emulator/stats`);
  });

registerStart(program);
registerWatch(program);
registerStatus(program);
registerList(program);
registerCancel(program);
registerResults(program);
registerServer(program);
registerCodecServer(program);

// `durabatch results JOB | head`: a reader that has seen enough is not an error, as for any Unix tool.
const readerLeft = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
process.stdout.on('error', (err) => {
  if (readerLeft(err)) process.exit(0);
  throw err;
});

program.parseAsync().then(
  () => {
    // Connections to Temporal keep the event loop alive; one-shot commands end here.
    const longRunning = ['worker', 'emulator', 'codec-server'].includes(program.args[0] ?? '');
    if (!longRunning) process.exit(0);
  },
  (err: unknown) => {
    if (readerLeft(err)) process.exit(0);
    const { exitWith } = require('./report-error') as typeof import('./report-error');
    const { addressOf } = require('./connect') as typeof import('./connect');
    return exitWith(err, addressOf(program.opts()));
  },
);

/**
 * The package's own package.json: two levels up in a checkout (src/cli/), three in the installed
 * package (dist/src/cli/); looked for upwards rather than by a depth that holds for only one.
 */
function packageManifest(): { version: string } {
  for (let dir = __dirname, i = 0; i < 5; dir = join(dir, '..'), i++) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
      if (manifest.name === 'durabatch') return manifest;
    } catch {
      // not here: one level up
    }
  }
  return { version: 'unknown' };
}
