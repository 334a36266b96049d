import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Writes outcomes as JSONL to a file (or stdout) as they stream, minding back-pressure; returns how many. */
export async function writeResults(outcomes: AsyncIterable<unknown>, path?: string): Promise<number> {
  const out: Writable = path ? createWriteStream(path) : process.stdout;
  let count = 0;
  for await (const outcome of outcomes) {
    if (!out.write(JSON.stringify(outcome) + '\n')) await once(out, 'drain');
    count += 1;
  }
  if (path) {
    out.end();
    await once(out, 'finish');
  }
  return count;
}
