import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes';
import { globalsOf } from '../options';

export function registerCancel(program: Command): void {
  program
    .command('cancel <jobId>')
    .description('cancel a job: its provider batches are cancelled, what finished is kept (exit 5 if it already ended)')
    .option('--schemas <module>', 'module exporting `schemas`')
    .action(async (jobId: string, o: { schemas?: string }, cmd: Command) => {
      const { openDurabatch } = require('../connect') as typeof import('../connect');
      const { findJob } = require('../find-job') as typeof import('../find-job');
      const { loadSchemas } = require('../load-schemas') as typeof import('../load-schemas');

      const durabatch = await openDurabatch(globalsOf(cmd), { schemas: loadSchemas(o.schemas) });
      const job = await findJob(durabatch, jobId);
      // A signal to a closed workflow fails with a bare "workflow not found"-like error; say what it means.
      if (job.ended) throw new CliError(EXIT.ALREADY_ENDED, `job ${jobId} already ended (${job.ended}); nothing to cancel`);
      await job.handle.cancel('durabatch cancel');
      console.log(`cancel sent to ${jobId}: its provider batches are being cancelled; what finished is kept`);
      console.log(`  follow it: durabatch watch ${jobId}`);
    });
}
