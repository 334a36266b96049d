import type { RawItemResult } from './types';

/**
 * A result-file line that is not JSON (truncated, corrupted) must not fail the whole fetch, which
 * would then be retried forever on the same file. If the line still names its item (the ID field is
 * near the start of every provider's line), that item gets an `invalid_json` result of its own;
 * otherwise the line is dropped and the item ends as "no result" like any item the provider lost.
 */
export function malformedLine(line: string, idField: string, err: unknown): RawItemResult | undefined {
  const match = new RegExp(`"${idField}"\\s*:\\s*("(?:[^"\\\\]|\\\\.)*")`).exec(line);
  if (!match) return undefined;
  let customId: string;
  try {
    customId = JSON.parse(match[1]!) as string;
  } catch {
    return undefined;
  }
  return invalidLine(customId, `is not valid JSON (${(err as Error).message})`);
}

/** The item's own `invalid_json` result for a line that names it but cannot be read; retryable, as the next try's line may be whole. */
export function invalidLine(customId: string, why: string): RawItemResult {
  return {
    customId,
    kind: 'error',
    errorType: 'invalid_json',
    message: `the provider's result line for this request ${why}`,
    retryable: true,
  };
}
