/**
 * `durabatch dev`: everything a local job needs in one foreground command — a dev server with
 * the Web UI (or the one already running), the emulator and a worker. Ctrl-C stops them in the
 * order that loses nothing: the worker first (its activities finish or are handed back), then the
 * emulator, then the dev server if this command started it. Its database and the emulator's
 * state are in $DURABATCH_HOME, so jobs carry on after the next `durabatch dev`.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { durabatchHome } from '../../config';
import type { Emulator } from '../../emulator';
import { globalsOf, int } from '../options';

interface DevOptions {
  uiPort: number;
  emulatorPort: number;
  processingMs?: number;
  /** false with --no-emulator. */
  emulator: boolean;
  schemas?: string;
  taskQueue: string;
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('dev server with Web UI, emulator and worker in one foreground process; Ctrl-C stops all')
    .option('--ui-port <n>', 'Web UI port', int, 8233)
    .option('--emulator-port <n>', 'emulator port', int, 8787)
    .option('--processing-ms <ms>', "how long the emulator's batches take (default 300: slower ones leave time to watch and cancel)", int)
    .option('--no-emulator', 'call the real provider APIs (keys from the environment) instead of the emulator')
    .option('--schemas <module>', 'module exporting `schemas` (default: the example schemas)')
    .option('--task-queue <name>', 'task queue', 'durabatch')
    .action(async (o: DevOptions, cmd: Command) => {
      const { DefaultLogger, Runtime } = require('@temporalio/worker') as typeof import('@temporalio/worker');
      const { ensureDevServer } = require('../../devserver') as typeof import('../../devserver');
      const { startEmulator } = require('../../emulator') as typeof import('../../emulator');
      const { SEARCH_ATTRIBUTES } = require('../../search-attributes') as typeof import('../../search-attributes');
      const { defaultStoreUrl } = require('../../store') as typeof import('../../store');
      const { createDurabatchWorker } = require('../../worker') as typeof import('../../worker');
      const { addressOf } = require('../connect') as typeof import('../connect');
      const { loadSchemas } = require('../load-schemas') as typeof import('../load-schemas');
      const { missingKeysLine } = require('../provider-keys') as typeof import('../provider-keys');
      const { errorLines } = require('../report-error') as typeof import('../report-error');

      // The worker's INFO lines (state changes, bundle size) would bury the addresses printed below.
      Runtime.install({ logger: new DefaultLogger('WARN') });
      const globals = globalsOf(cmd);
      const stops: Array<() => Promise<void>> = [];
      const stopAll = async () => {
        for (const stop of stops.reverse()) await stop().catch((err: Error) => console.error(`  (while stopping: ${err.message})`));
      };
      try {
        const server = await ensureDevServer({
          address: addressOf(globals),
          uiPort: o.uiPort,
          dataDir: durabatchHome(),
          searchAttributes: { ...SEARCH_ATTRIBUTES },
          detached: false,
          ownProcessGroup: true,
          log: (line) => console.error(line),
        });
        if (!server.reused) stops.push(() => server.stop());

        let emulator: Emulator | undefined;
        if (o.emulator) {
          emulator = await startEmulator({
            port: o.emulatorPort,
            stateDir: join(durabatchHome(), 'emulator'),
            ...(o.processingMs !== undefined && { faults: { processingMs: o.processingMs } }),
          });
          stops.push(() => emulator!.close());
        } else {
          const missing = missingKeysLine(process.env);
          if (missing) console.error(errorLines(missing).join('\n'));
        }

        const worker = await createDurabatchWorker({
          schemas: loadSchemas(o.schemas),
          address: server.address,
          store: globals.store,
          taskQueue: o.taskQueue,
          providers: emulator ? { emulatorUrl: emulator.url } : {},
        });
        const running = worker.run();
        stops.push(async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running.catch(() => undefined);
        });

        printAddresses({ server, address: globals.address, emulator, taskQueue: o.taskQueue, store: globals.store ?? defaultStoreUrl() });
        const signalled = new Promise<string>((resolve) => {
          process.once('SIGINT', () => resolve('SIGINT'));
          process.once('SIGTERM', () => resolve('SIGTERM'));
        });
        // A worker that dies on its own (server gone) ends the command too, with its error.
        const ended = await Promise.race([signalled, running.then(() => 'worker stopped')]);
        // A second Ctrl-C while stopping means "now": leave at once.
        process.once('SIGINT', () => process.exit(130));
        console.log(`\n${ended}: stopping the worker${emulator ? ', the emulator' : ''}${server.reused ? '' : ' and the dev server'}...`);
      } finally {
        await stopAll();
      }
      console.log('stopped');
    });
}

/** `address` only when it is not where the CLI looks anyway (so the example needs no --address). */
function printAddresses(p: {
  server: { address: string; uiUrl?: string; reused: boolean };
  address?: string;
  emulator?: Emulator;
  taskQueue: string;
  store: string;
}): void {
  const lines = [
    'durabatch dev: running; Ctrl-C stops everything.',
    `  Temporal   ${p.server.address}${p.server.reused ? ' (already running; left running)' : ` (database ${durabatchHome()}/temporal.db)`}`,
    ...(p.server.uiUrl ? [`  Web UI     ${p.server.uiUrl}`] : []),
    p.emulator
      ? `  emulator   ${p.emulator.url} (every provider answers from here)`
      : '  providers  the real APIs (keys from the environment)',
    `  worker     task queue ${p.taskQueue}`,
    `  job store  ${p.store}`,
    '',
    'Start a job from another terminal, e.g.:',
    `  echo '[{"role":"user","content":"Ann is 31, ann@example.com"}]' \\`,
    ...exampleCommand(p.address, p.taskQueue),
    'then: durabatch list · durabatch status JOB · durabatch results JOB',
  ];
  console.log(lines.join('\n'));
}

/** The start command to copy; split with a backslash when --address makes it longer than 80 columns. */
function exampleCommand(address: string | undefined, taskQueue: string): string[] {
  const flags = `start -r - -s User -m gpt-4o-mini --poll 1000${taskQueue === 'durabatch' ? '' : ` --task-queue ${taskQueue}`} --watch`;
  return address ? [`    | durabatch --address ${address} \\`, `      ${flags}`] : [`    | durabatch ${flags}`];
}
