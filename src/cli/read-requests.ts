import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RequestInput } from '../types';
import { CliError, EXIT } from './exit-codes';

/** How problems name the requests file: `-` is stdin. */
export function requestsLabel(path: string): string {
  return path === '-' ? 'stdin' : path;
}

/**
 * Which line of the file each request came from, so a problem with "request 7" can name its line.
 * Blank lines are the only reason the two differ: only the places where the gap changes are kept,
 * so memory does not grow with the file.
 */
export class RequestLines {
  /** [first request index, line - index] from that request on. */
  private readonly gaps: Array<[number, number]> = [[0, 1]];

  record(index: number, line: number): void {
    const gap = line - index;
    if (gap !== this.gaps[this.gaps.length - 1]![1]) this.gaps.push([index, gap]);
  }

  lineOf(index: number): number {
    let gap = 1;
    for (const [from, g] of this.gaps) {
      if (from > index) break;
      gap = g;
    }
    return index + gap;
  }
}

/**
 * Streams requests from JSONL, one line at a time (a file of any size is never held whole): each
 * line a message list, or `{ customId?, messages }`. A UTF-8 byte-order mark is skipped.
 */
export async function* readRequests(path: string, lines?: RequestLines): AsyncIterable<RequestInput> {
  let lineNo = 0;
  let index = 0;
  const input = path === '-' ? process.stdin : createReadStream(path);
  for await (const raw of createInterface({ input, crlfDelay: Infinity })) {
    lineNo += 1;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (!line.trim()) continue;
    let request: RequestInput;
    try {
      request = JSON.parse(line) as RequestInput;
    } catch (err) {
      throw new CliError(EXIT.USAGE, `${requestsLabel(path)}:${lineNo}: not JSON (${(err as Error).message})`);
    }
    lines?.record(index++, lineNo);
    yield request;
  }
}
