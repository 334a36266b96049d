import type { Command } from 'commander';
import type { JobSummary } from '../../job';
import { CliError, EXIT } from '../exit-codes';
import { globalsOf } from '../options';

/** The last line of a watched job, on stdout (the status line is on stderr). */
export function printSummary(summary: JobSummary): void {
  console.log(`${summary.phase}: ${summary.counts.succeeded} succeeded, ${summary.counts.failed} failed`);
}

export function registerWatch(program: Command): void {
  program
    .command('watch <jobId>')
    .description("show a job's progress until it ends (Ctrl-C stops watching; the job keeps running)")
    .option('--schemas <module>', 'module exporting `schemas`')
    .option('--every <ms>', 'how often to ask the job for its status', '500')
    .action(async (jobId: string, o: { schemas?: string; every: string }, cmd: Command) => {
      const { openDurabatch } = require('../connect') as typeof import('../connect');
      const { endedBadly, failureOf, findJob, statusOf } = require('../find-job') as typeof import('../find-job');
      const { loadSchemas } = require('../load-schemas') as typeof import('../load-schemas');
      const { formatStatusLine } = require('../status-line') as typeof import('../status-line');
      const { watchJob } = require('../watch-job') as typeof import('../watch-job');
      const { terminalWidth } = require('../width') as typeof import('../width');

      const durabatch = await openDurabatch(globalsOf(cmd), { schemas: loadSchemas(o.schemas) });
      const job = await findJob(durabatch, jobId);
      if (job.ended) {
        // Nothing to watch: say how it ended, the way a watch would have.
        if (endedBadly(job.ended)) throw new CliError(EXIT.FAILED, await failureOf(job));
        const status = await statusOf(job);
        process.stderr.write(formatStatusLine(status, terminalWidth(process.stderr)) + '\n');
        printSummary(status as JobSummary);
        return;
      }
      printSummary(await watchJob(job.handle, { everyMs: Math.max(100, Number(o.every) || 500) }));
    });
}
