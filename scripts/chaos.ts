/**
 * `npm run chaos -- --runs N --seed S [--concurrency C]`: the chaos runner (scripts/chaos-runner.ts).
 * Prints one line per job and a summary; exits 1 if anything was lost, duplicated, wrong or billed twice.
 */
import { Command, InvalidArgumentError } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runChaos, summaryLine } from './chaos-runner';

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return n;
};
const o = new Command('chaos')
  .option('--runs <n>', 'jobs', int, 20)
  .option('--seed <s>', 'seed', int, 1)
  .option('--concurrency <c>', 'jobs at once', int, 4)
  .parse()
  .opts();

Runtime.install({ logger: new DefaultLogger('ERROR') });
runChaos({ runs: o.runs, seed: o.seed, concurrency: o.concurrency, log: (line) => console.log(line) }).then(
  (report) => {
    console.log(summaryLine(report));
    for (const p of report.problems.slice(0, 20)) console.log(`  ${p}`);
    const bad = report.lost + report.duplicated + report.wrong + report.duplicateBatches + report.missingBatches;
    process.exit(bad ? 1 : 0);
  },
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
