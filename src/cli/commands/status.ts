import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes';
import { globalsOf } from '../options';

export function registerStatus(program: Command): void {
  program
    .command('status <jobId>')
    .description("print a job's status (exit 1 when it failed, 4 when there is no such job)")
    .option('--schemas <module>', 'module exporting `schemas`')
    .option('--json', 'the full status as JSON')
    .action(async (jobId: string, o: { schemas?: string; json?: boolean }, cmd: Command) => {
      // Loaded when run, not when the CLI starts: `--help` and a refused connection stay quick.
      const { openDurabatch } = require('../connect') as typeof import('../connect');
      const { endedBadly, failureOf, findJob, statusOf } = require('../find-job') as typeof import('../find-job');
      const { loadSchemas } = require('../load-schemas') as typeof import('../load-schemas');
      const { statusTable } = require('../status-table') as typeof import('../status-table');
      const { terminalWidth } = require('../width') as typeof import('../width');

      const durabatch = await openDurabatch(globalsOf(cmd), { schemas: loadSchemas(o.schemas) });
      const job = await findJob(durabatch, jobId);
      const status = await statusOf(job);
      const failure = endedBadly(job.ended) ? await failureOf(job) : undefined;
      if (o.json) console.log(JSON.stringify(failure ? { ...status, failure } : status, null, 2));
      else console.log(statusTable(status, terminalWidth(process.stdout), failure).join('\n'));
      // The table already says why; the exit status says it to a script.
      if (failure) throw new CliError(EXIT.FAILED, '');
    });
}
