/**
 * Prompt tokens guessed without a tokenizer (durabatch ships none: three providers, three
 * tokenizers, and the estimate is for a budget check, not a bill). Meant to err HIGH:
 *
 *   tokens(text)   = ceil(ASCII characters / 3) + 1 per other character (code point)
 *   tokens(request) = Σ over messages (tokens(content) + 4) + 8 + tokens(JSON Schema)
 *
 * - 3 ASCII characters a token: English prose runs about 4 (OpenAI's and Gemini's tokenizers) and
 *   a little less on Claude's; code and JSON about 3. So prose is over-counted by roughly a quarter
 *   to a third, and dense text is about right.
 * - 1 token per non-ASCII character: CJK is about 1 each, accented Latin and Cyrillic less; emoji
 *   may be 2-3 (rare in prompts).
 * - 4 per message, 8 per request: the role and turn markers of each chat format, and the reply
 *   priming (OpenAI documents 3-4 per message and 3 per reply).
 * - The structured-output schema is sent with every request and billed as input by every
 *   provider, so its JSON text is counted once per request.
 */
import type { ChatMessage } from '../types';

export const ASCII_CHARS_PER_TOKEN = 3;
export const TOKENS_PER_MESSAGE = 4;
export const TOKENS_PER_REQUEST = 8;

/** Estimated tokens of a text (see the file's comment for why these weights). */
export function textTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) ascii += 1;
    // A low surrogate is the second half of a character already counted by its high surrogate.
    else if (c < 0xdc00 || c > 0xdfff) other += 1;
  }
  return Math.ceil(ascii / ASCII_CHARS_PER_TOKEN) + other;
}

/** Estimated tokens the JSON Schema adds to each request (0 without one). */
export function schemaTokens(jsonSchema: unknown): number {
  return jsonSchema === undefined ? 0 : textTokens(JSON.stringify(jsonSchema));
}

/** Estimated input tokens of one request, its schema's share included. */
export function requestInputTokens(messages: readonly ChatMessage[], perRequestSchemaTokens = 0): number {
  let tokens = TOKENS_PER_REQUEST + perRequestSchemaTokens;
  for (const m of messages) tokens += TOKENS_PER_MESSAGE + (typeof m?.content === 'string' ? textTokens(m.content) : 0);
  return tokens;
}
