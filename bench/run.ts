/**
 * `npm run bench` runs every benchmark in order; `npm run bench -- <name> [options]` runs one (its
 * options are passed on, e.g. `npm run bench -- big-job --n 200000`).
 *
 * Each benchmark is its own file under bench/ and runs in its own Node process: one benchmark's
 * heap, JIT state and leftover garbage never colour the next one's figures, and each gets the Node
 * flags it needs. Every figure is a JSON line `{"name","value","unit"}` on stdout; commentary
 * (including how long each benchmark took) goes to stderr. Figures are printed, never asserted.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BENCHMARKS: Record<string, { about: string; nodeArgs: string[] }> = {
  // --expose-gc: a collection before each timed round, so one round's garbage is not the next one's cost.
  'jsonl-build': { about: 'JSONL build: spliced lines vs JSON.stringify (OpenAI, Gemini)', nodeArgs: ['--expose-gc'] },
  'results-ingest': { about: 'parse + validate + store of 100,000 results (file, PostgreSQL)', nodeArgs: ['--expose-gc'] },
  // The emulator, in the benchmark's own process, holds every input and output file of a 1M job (GBs).
  'big-job': { about: '1,000,000-request job end to end: memory and history', nodeArgs: ['--max-old-space-size=8192'] },
  'vs-plain-script': { about: '100,000-request job: durabatch vs a plain openai SDK script', nodeArgs: ['--max-old-space-size=4096'] },
};

function main(): number {
  const [name, ...options] = process.argv.slice(2);
  if (name !== undefined && !(name in BENCHMARKS)) {
    const list = Object.entries(BENCHMARKS)
      .map(([n, b]) => `  ${n.padEnd(16)} ${b.about}`)
      .join('\n');
    process.stderr.write(`unknown benchmark "${name}"; there are:\n${list}\n`);
    return 2;
  }
  const selected = name === undefined ? Object.keys(BENCHMARKS) : [name];
  const root = join(__dirname, '..');
  let failed = 0;
  for (const bench of selected) {
    process.stderr.write(`\n── ${bench}: ${BENCHMARKS[bench]!.about}\n`);
    const t0 = Date.now();
    const res = spawnSync(
      process.execPath,
      [...BENCHMARKS[bench]!.nodeArgs, '--import', 'tsx', join(__dirname, `${bench}.ts`), ...options],
      {
        cwd: root,
        stdio: 'inherit',
      },
    );
    const seconds = ((Date.now() - t0) / 1000).toFixed(0);
    if (res.status === 0) process.stderr.write(`── ${bench}: done in ${seconds} s\n`);
    else {
      failed += 1;
      process.stderr.write(`── ${bench}: FAILED (exit ${res.status ?? res.signal}) after ${seconds} s\n`);
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
