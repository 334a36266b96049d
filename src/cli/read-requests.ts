import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RequestInput } from '../types';

/**
 * Streams requests from JSONL, one line at a time (a file of any size is never held whole): each
 * line a message list, or `{ customId?, messages }`. A UTF-8 byte-order mark is skipped.
 */
export async function* readRequests(path: string): AsyncIterable<RequestInput> {
  let lineNo = 0;
  const input = path === '-' ? process.stdin : createReadStream(path);
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    lineNo += 1;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!line.trim()) continue;
    try {
      yield JSON.parse(line) as RequestInput;
    } catch (err) {
      throw new Error(`${path}:${lineNo}: not JSON (${(err as Error).message})`);
    }
  }
}
