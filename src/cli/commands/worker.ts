import type { Command } from 'commander';
import { globalsOf } from '../options';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('run a worker for batchJobWorkflow (real provider APIs with keys from the environment, or --emulator)')
    .option('--emulator <url>', 'send every provider call to this emulator instead of the real APIs')
    .option('--schemas <module>', 'module exporting `schemas` (default: the example schemas)')
    .option('--task-queue <name>', 'task queue', 'durabatch')
    .action(async (o: { emulator?: string; schemas?: string; taskQueue: string }, cmd: Command) => {
      const { defaultStoreUrl } = require('../../store') as typeof import('../../store');
      const { createDurabatchWorker } = require('../../worker') as typeof import('../../worker');
      const { addressOf, connectFailureReason, isUnavailable, unreachable } = require('../connect') as typeof import('../connect');
      const { loadSchemas } = require('../load-schemas') as typeof import('../load-schemas');
      const { missingKeysLine } = require('../provider-keys') as typeof import('../provider-keys');
      const { errorLines } = require('../report-error') as typeof import('../report-error');

      const globals = globalsOf(cmd);
      const missing = missingKeysLine(process.env, o.emulator);
      if (missing) console.error(errorLines(missing).join('\n'));
      const worker = await createDurabatchWorker({
        schemas: loadSchemas(o.schemas),
        address: globals.address,
        store: globals.store,
        taskQueue: o.taskQueue,
        providers: o.emulator ? { emulatorUrl: o.emulator } : {},
      }).catch((err: unknown) => Promise.reject(isUnavailable(err) ? unreachable(addressOf(globals), connectFailureReason(err)) : err));
      console.log(
        `worker on task queue ${o.taskQueue} at ${addressOf(globals)}, job store ${globals.store ?? defaultStoreUrl()}` +
          (o.emulator ? ` (providers: emulator at ${o.emulator})` : ''),
      );
      await worker.run();
    });
}
