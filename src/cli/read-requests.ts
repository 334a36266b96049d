import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RequestInput } from '../types';

/** Reads requests from JSONL: each line a message list, or `{ customId?, messages }`. */
export async function readRequests(path: string): Promise<RequestInput[]> {
  const requests: RequestInput[] = [];
  let lineNo = 0;
  for await (const line of createInterface({ input: path === '-' ? process.stdin : createReadStream(path), crlfDelay: Infinity })) {
    lineNo += 1;
    if (!line.trim()) continue;
    try {
      requests.push(JSON.parse(line) as RequestInput);
    } catch (err) {
      throw new Error(`${path}:${lineNo}: not JSON (${(err as Error).message})`);
    }
  }
  return requests;
}
