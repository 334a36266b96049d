/**
 * How each provider's results file reads, a line at a time, into provider-neutral raw results. Pure
 * functions of the line: the same readers run in the parse thread (parse-thread.ts) and, where
 * there is none, inline.
 */
import { readResultLine } from './anthropic-results';
import { readResponsesLine } from './gemini-results';
import { readOutputLine } from './openai-lines';
import type { RawItemResult } from './types';

export type ResultFormat = 'openai' | 'anthropic' | 'gemini';

export const RESULT_READERS: Record<ResultFormat, (line: string) => RawItemResult | undefined> = {
  openai: readOutputLine,
  anthropic: readResultLine,
  gemini: readResponsesLine,
};

/** The results of a batch of lines read as `format`: blank lines, and lines that name no item, give none. */
export function readLines(lines: readonly string[], format: ResultFormat): RawItemResult[] {
  const read = RESULT_READERS[format];
  const results: RawItemResult[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const result = read(line);
    if (result) results.push(result);
  }
  return results;
}
