import { Option, type Command } from 'commander';
import { CliError, EXIT } from '../exit-codes';
import { globalsOf } from '../options';
import type { ResultsFormat } from '../write-results';
import type { BatchOutcome, ProviderName, Usage } from '../../types';

export function registerResults(program: Command): void {
  program
    .command('results <jobId>')
    .description('wait for a job, then write one outcome per request, in request order (JSONL or CSV)')
    .option('--schemas <module>', 'module exporting `schemas`')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .addOption(new Option('--only <which>', 'only successes or only failures').choices(['ok', 'errors']))
    .addOption(
      new Option(
        '--format <format>',
        'jsonl, or csv with columns id,ok,value,error_type,error_message,attempts (default: csv when --out ends in .csv, else jsonl)',
      ).choices(['jsonl', 'csv']),
    )
    .action(async (jobId: string, o: { schemas?: string; out?: string; only?: 'ok' | 'errors'; format?: ResultsFormat }, cmd: Command) => {
      const { StoreMismatchError } = require('../../client') as typeof import('../../client');
      const { ITEMS_KEY } = require('../../search-attributes') as typeof import('../../search-attributes');
      const { openDurabatch } = require('../connect') as typeof import('../connect');
      const { findJob } = require('../find-job') as typeof import('../find-job');
      const { loadSchemas } = require('../load-schemas') as typeof import('../load-schemas');
      const { writeResults } = require('../write-results') as typeof import('../write-results');

      const durabatch = await openDurabatch(globalsOf(cmd), { schemas: loadSchemas(o.schemas) });
      const job = await findJob(durabatch, jobId);
      if (!job.ended) process.stderr.write(`job ${jobId} is still running: waiting for it to end (Ctrl-C stops waiting, not the job)\n`);
      const format = o.format ?? (o.out?.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl');
      let written: number;
      const usage = { inputTokens: 0, outputTokens: 0 };
      try {
        written = await writeResults(tally(job.handle.results({ only: o.only }), usage), o.out, format);
      } catch (err) {
        // Another store than the job's holds nothing of it: that is "not found here", not a failed job.
        if (err instanceof StoreMismatchError) throw new CliError(EXIT.NOT_FOUND, err.message);
        throw err;
      }
      if (written === 0 && (job.description.typedSearchAttributes.get(ITEMS_KEY) ?? 1) > 0) {
        // Nothing at all for a job with requests (not merely none of the kind asked for): say where we looked.
        const store = await durabatch.store();
        const outcomes = store.readLatestOutcomes(jobId)[Symbol.asyncIterator]();
        const first = await outcomes.next();
        await outcomes.return?.();
        if (first.done) {
          throw new CliError(
            EXIT.NOT_FOUND,
            `no results of job ${jobId} in ${await job.handle.resultsLocation()}: is this the job store its worker writes to? ` +
              'Pass --store (or set DURABATCH_STORE) to that one',
          );
        }
      }
      if (o.out) {
        const { costOfUsage, formatUsd } = require('../../cost') as typeof import('../../cost');
        const { PROVIDER_KEY } = require('../../search-attributes') as typeof import('../../search-attributes');
        const provider = job.description.typedSearchAttributes.get(PROVIDER_KEY) as ProviderName | undefined;
        const model = String(job.description.memo?.durabatchModel ?? '');
        const cost = provider ? costOfUsage(usage, provider, model, await durabatch.prices()) : 'unknown';
        console.error(
          `${written} outcomes written to ${o.out}; usage ${usage.inputTokens} input + ${usage.outputTokens} output tokens, ` +
            `about ${formatUsd(cost)} at batch prices`,
        );
      }
    });
}

/** Passes outcomes through, adding up the tokens the provider reported for them. */
async function* tally<T extends BatchOutcome<unknown>>(outcomes: AsyncIterable<T>, usage: Usage): AsyncIterable<T> {
  for await (const o of outcomes) {
    if (o.ok && o.usage) {
      usage.inputTokens += o.usage.inputTokens;
      usage.outputTokens += o.usage.outputTokens;
    }
    yield o;
  }
}
