import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { BatchOutcome } from '../types';

export type ResultsFormat = 'jsonl' | 'csv';

/** One column per field a spreadsheet needs; the validated value stays JSON (it has any shape). */
export const CSV_HEADER = ['id', 'ok', 'value', 'error_type', 'error_message', 'attempts'];

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvRow(o: BatchOutcome<unknown>): string {
  const fields = o.ok
    ? [o.customId, 'true', JSON.stringify(o.data) ?? '', '', '', String(o.attempts)]
    : [o.customId, 'false', '', o.error.type, o.error.message, String(o.attempts)];
  return fields.map(csvField).join(',');
}

/**
 * Writes outcomes as JSONL or CSV to a file (or stdout) as they stream, minding back-pressure;
 * returns how many. A file is only complete once this resolves.
 */
export async function writeResults(
  outcomes: AsyncIterable<BatchOutcome<unknown>>,
  path?: string,
  format: ResultsFormat = 'jsonl',
): Promise<number> {
  const out: Writable = path ? createWriteStream(path) : process.stdout;
  const write = async (line: string) => {
    if (!out.write(line + '\n')) await once(out, 'drain');
  };
  let count = 0;
  try {
    if (format === 'csv') await write(CSV_HEADER.join(','));
    for await (const outcome of outcomes) {
      await write(format === 'csv' ? csvRow(outcome) : JSON.stringify(outcome));
      count += 1;
    }
  } finally {
    if (path) {
      out.end();
      await once(out, 'finish');
    }
  }
  return count;
}
