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
