/**
 * What each step of reading results costs per line, alone: the same 50,000 OpenAI output lines
 * (made by the emulator's engine, bench/lib/output-lines.ts) through `JSON.parse`, the adapter's
 * `parseOutputLine`, `classifyItem` (the answer's parse, the strict dialect's nulls, zod), the
 * outcome's `JSON.stringify`, and the three in one loop. Set against `results-ingest`, it shows
 * how much of a fetch is these steps and how much the rest (store, activity, GC). A diagnostic,
 * not a figure: it prints to stderr only.
 *
 *   node --expose-gc --import tsx bench/ingest-steps.ts [--n 50000]   (not part of `npm run bench`)
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyItem } from '../activities/classify-result';
import { DEFAULT_RETRY_ON } from '../src/job';
import { parseOutputLine } from '../src/providers/openai-lines';
import { toCanonicalJsonSchema } from '../src/schema';
import { median, note, nowMs, option } from './lib/report';
import { User } from './lib/requests';

const n = option('n', 50_000);
const ROUNDS = 7;
const jsonSchema = toCanonicalJsonSchema(User, 'User');

/** Keeps each step's results reachable, so no step is optimised away. */
let sink: unknown;

function perLine(label: string, lines: number, step: () => void): void {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    global.gc?.();
    const t0 = nowMs();
    step();
    times.push(nowMs() - t0);
  }
  note(`${label.padEnd(26)} ${((median(times) * 1000) / lines).toFixed(2)} µs/line (median of ${ROUNDS})`);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'durabatch-bench-steps-'));
  try {
    const made = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'lib', 'output-lines.ts'), dir, 'steps', String(n), String(n)],
      {
        cwd: join(__dirname, '..'),
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    if (made.status !== 0) throw new Error(`output-lines.ts failed (exit ${made.status ?? made.signal})`);
    const lines = (await readFile(join(dir, 'steps-c0.jsonl'), 'utf8')).split('\n').filter(Boolean);
    const raws = lines.map(parseOutputLine);
    const outcomes = raws.map((raw, i) => classifyItem(i, raw, 1, User, jsonSchema, DEFAULT_RETRY_ON));
    note(
      `ingest-steps: ${lines.length.toLocaleString('en')} lines, ${outcomes.filter((o) => o.ok).length.toLocaleString('en')} valid answers`,
    );

    perLine('JSON.parse of the line', lines.length, () => {
      for (const line of lines) sink = JSON.parse(line);
    });
    perLine('parseOutputLine', lines.length, () => {
      for (const line of lines) sink = parseOutputLine(line);
    });
    perLine('classifyItem', lines.length, () => {
      for (let i = 0; i < raws.length; i++) sink = classifyItem(i, raws[i]!, 1, User, jsonSchema, DEFAULT_RETRY_ON);
    });
    // In groups of 1,000, as the file store writes them.
    perLine('outcome JSON.stringify', lines.length, () => {
      let text = '';
      for (let i = 0; i < outcomes.length; i++) {
        text += JSON.stringify(outcomes[i]) + '\n';
        if (i % 1000 === 999) [sink, text] = [text, ''];
      }
    });
    perLine('all three in one loop', lines.length, () => {
      let text = '';
      for (let i = 0; i < lines.length; i++) {
        text += JSON.stringify(classifyItem(i, parseOutputLine(lines[i]!), 1, User, jsonSchema, DEFAULT_RETRY_ON)) + '\n';
        if (i % 1000 === 999) [sink, text] = [text, ''];
      }
    });
    if (sink === undefined) throw new Error('no step ran');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
