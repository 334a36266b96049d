import { Option, type Command } from 'commander';
import { PROVIDERS } from '../../types';
import { CliError, EXIT } from '../exit-codes';
import type { JobRow } from '../job-list';
import { LIST_PHASES, type ListPhase } from '../list-phases';
import { globalsOf } from '../options';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('recent jobs from Temporal visibility, running first (ID, provider, model, phase, items, age)')
    .addOption(new Option('--phase <phase>', 'only jobs in this phase (running: any running phase)').choices(LIST_PHASES))
    .addOption(new Option('--provider <provider>', 'only jobs of this provider').choices(PROVIDERS))
    .option('-n, --limit <n>', 'at most this many jobs', '20')
    .option('--json', 'as JSON (every field, nothing shortened)')
    .action(async (o: { phase?: ListPhase; provider?: string; limit: string; json?: boolean }, cmd: Command) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError(EXIT.USAGE, `--limit (${o.limit}) must be a whole number >= 1`);
      const { connectClient } = require('../connect') as typeof import('../connect');
      const { formatJobTable, listQuery, toJobRow } = require('../job-list') as typeof import('../job-list');
      const { terminalWidth } = require('../width') as typeof import('../width');

      const client = await connectClient(globalsOf(cmd));
      const rows: JobRow[] = [];
      for await (const info of client.workflow.list({ query: listQuery(o), pageSize: Math.min(limit, 1000) })) {
        rows.push(toJobRow(info));
        if (rows.length >= limit) break;
      }
      if (o.json) return console.log(JSON.stringify(rows, null, 2));
      if (!rows.length) return console.error(`no jobs${o.phase || o.provider ? ' match' : ' yet'} (start one: durabatch start --help)`);
      console.log(formatJobTable(rows, terminalWidth(process.stdout)).join('\n'));
    });
}
