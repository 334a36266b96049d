import type { Command } from 'commander';
import { CliError, EXIT } from '../exit-codes';
import { globalsOf, providerOption } from '../options';
import type { RawStartFlags } from '../start-flags';
import { printSummary } from './watch';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start a job from a JSONL file of requests; prints its ID')
    .requiredOption('-r, --requests <file>', 'JSONL: each line a message list or {customId, messages} ("-" for stdin)')
    .requiredOption('-s, --schema <name>', 'registered schema name')
    .addOption(providerOption())
    .requiredOption('-m, --model <model>', 'model')
    .option('--schemas <module>', 'module exporting `schemas` (default: the example schemas)')
    .option('--job-id <id>', 'job ID (default: generated)')
    // Numbers stay strings here: start-flags checks them with everything else and lists every problem at once.
    .option('--max-tokens <n>', 'max tokens per answer')
    .option('--temperature <t>', 'temperature (0-2)')
    .option('--max-attempts <n>', 'provider batches an item may be submitted in (default 3)')
    .option('--task-queue <name>', 'task queue', 'durabatch')
    .option('--poll <ms>', 'first wait between polls of the provider (default 30000)')
    .option('--poll-max <ms>', 'longest wait between polls (default 600000)')
    .option(
      '--max-cost <usd>',
      'refuse the job if its estimated cost (prompt tokens + --max-tokens per request, batch prices) is above this',
    )
    .option('-w, --watch', 'show a live status line until the job ends (Ctrl-C stops watching, not the job)')
    .action(async (o: RawStartFlags & { schemas?: string; taskQueue: string; watch?: boolean }, cmd: Command) => {
      const { CostLimitError, formatUsd, JobIdInUseError } = require('../../client') as typeof import('../../client');
      const { InvalidJobError } = require('../../validate-job') as typeof import('../../validate-job');
      const { openDurabatch } = require('../connect') as typeof import('../connect');
      const { inFlagTerms, invalidStartMessage } = require('../flag-problems') as typeof import('../flag-problems');
      const { loadSchemas } = require('../load-schemas') as typeof import('../load-schemas');
      const { readRequests, RequestLines } = require('../read-requests') as typeof import('../read-requests');
      const { allStartProblems, planStart } = require('../start-flags') as typeof import('../start-flags');
      const { watchJob } = require('../watch-job') as typeof import('../watch-job');

      const schemas = loadSchemas(o.schemas);
      const plan = await planStart(o, schemas);
      // Wrong flags are said before connecting, with the file's own problems (read, not stored).
      if (plan.problems.length) throw new CliError(EXIT.USAGE, invalidStartMessage(await allStartProblems(plan)));

      const durabatch = await openDurabatch(globalsOf(cmd), { schemas, taskQueue: o.taskQueue });
      const lines = new RequestLines();
      let job;
      try {
        job = await durabatch.start({
          provider: o.provider,
          model: o.model,
          schema: plan.schema,
          requests: readRequests(o.requests, lines),
          jobId: o.jobId,
          maxTokens: plan.values.maxTokens,
          temperature: plan.values.temperature,
          maxAttempts: plan.values.maxAttempts,
          timing: plan.timing,
          ...(plan.maxCostUsd !== undefined && {
            maxCostUsd: plan.maxCostUsd,
            onEstimate: (e) => console.error(`estimated cost: at most ${formatUsd(e.usd)} (limit ${formatUsd(plan.maxCostUsd!)})`),
          }),
        });
      } catch (err) {
        if (err instanceof InvalidJobError)
          throw new CliError(EXIT.USAGE, invalidStartMessage(err.problems.map((p) => inFlagTerms(p, plan.values, lines))));
        if (err instanceof CostLimitError) throw new CliError(EXIT.USAGE, err.message);
        if (err instanceof JobIdInUseError)
          throw new CliError(EXIT.USAGE, err.message.replace(/choose another jobId/, 'choose another --job-id'));
        throw err;
      }
      console.log(job.jobId);
      if (!o.watch) return;
      // A failed job rejects here: its reason is printed and the exit status is 1.
      printSummary(await watchJob(job));
    });
}
