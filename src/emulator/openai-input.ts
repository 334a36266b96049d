/**
 * Reads an OpenAI batch input file (JSONL of `{custom_id, method, url, body}`) into engine items,
 * collecting the line-level problems the real API reports in `errors.data` of a failed batch.
 */
import type { ChatMessage, ChatRole } from '../types';
import type { EmulatedItem, StoredFile } from './engine';
import { responseFormatProblem } from './openai-format';

export interface BatchLineError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

export interface ParsedBatchInput {
  items: EmulatedItem[];
  model: string;
  errors: BatchLineError[];
}

/** The real API stops listing after a handful of problems; so do we, to keep the batch object small. */
const MAX_REPORTED_ERRORS = 10;
/** OpenAI's documented per-batch request limit. */
const MAX_REQUESTS = 50_000;
/** The Batch API takes input files up to 200 MB (the Files API itself allows 512 MB). */
export const MAX_INPUT_BYTES = 200 * 1024 * 1024;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Chat content is a string or a list of parts; only text parts matter to the responder. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : ''))
      .filter(Boolean)
      .join('\n');
  }
  return '';
}

/** 'developer' is OpenAI's newer name for 'system'; tool/function turns read as user-provided text. */
function toRole(role: unknown): ChatRole {
  if (role === 'system' || role === 'developer') return 'system';
  if (role === 'assistant') return 'assistant';
  return 'user';
}

function toMessages(messages: unknown): ChatMessage[] {
  if (!Array.isArray(messages)) return [];
  return messages.filter(isObject).map((m) => ({ role: toRole(m.role), content: contentText(m.content) }));
}

/** `response_format: {type:'json_schema', json_schema:{schema}}`; json_object asks for "some object". */
function toSchema(responseFormat: unknown): Record<string, unknown> | undefined {
  if (!isObject(responseFormat)) return undefined;
  if (responseFormat.type === 'json_schema' && isObject(responseFormat.json_schema)) {
    const schema = responseFormat.json_schema.schema;
    return isObject(schema) ? schema : { type: 'object' };
  }
  if (responseFormat.type === 'json_object') return { type: 'object' };
  return undefined;
}

function toMaxTokens(body: Json): number | undefined {
  const v = body.max_completion_tokens ?? body.max_tokens;
  return typeof v === 'number' && v > 0 ? v : undefined;
}

/**
 * File-level problems, checked before any line is read: the Batch API only takes `.jsonl` files of
 * up to 200 MB. Like line problems they fail the batch during validation rather than the create call.
 */
export function inputFileProblem(file: Pick<StoredFile, 'filename' | 'bytes'>): BatchLineError | undefined {
  if (file.bytes.byteLength > MAX_INPUT_BYTES) {
    return {
      code: 'file_too_large',
      message: `The input file is ${file.bytes.byteLength} bytes; batch input files may be at most ${MAX_INPUT_BYTES} bytes (200 MB).`,
      param: 'input_file_id',
      line: null,
    };
  }
  if (!file.filename.toLowerCase().endsWith('.jsonl')) {
    return {
      code: 'invalid_file_format',
      message: `The input file '${file.filename}' is not a .jsonl file; batch input must be JSON Lines with a .jsonl extension.`,
      param: 'input_file_id',
      line: null,
    };
  }
  return undefined;
}

export function parseBatchInput(text: string, endpoint: string): ParsedBatchInput {
  const errors: BatchLineError[] = [];
  const items: EmulatedItem[] = [];
  const seen = new Set<string>();
  let model = '';
  const fail = (code: string, message: string, line: number | null, param: string | null = null) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ code, message, param, line });
  };

  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return fail('invalid_json_line', `Line ${line} is not valid JSON.`, line);
    }
    if (!isObject(parsed)) return fail('invalid_json_line', `Line ${line} is not a JSON object.`, line);
    const customId = parsed.custom_id;
    if (typeof customId !== 'string' || customId === '') {
      return fail('missing_required_parameter', `Missing 'custom_id' on line ${line}.`, line, 'custom_id');
    }
    if (seen.has(customId)) {
      return fail(
        'duplicate_custom_id',
        `The custom_id '${customId}' on line ${line} is a duplicate; custom_id must be unique within a batch.`,
        line,
        'custom_id',
      );
    }
    seen.add(customId);
    if (parsed.method !== 'POST') {
      return fail('invalid_method', `Line ${line}: 'method' must be 'POST'.`, line, 'method');
    }
    if (parsed.url !== endpoint) {
      return fail('invalid_url', `Line ${line}: 'url' is '${String(parsed.url)}' but the batch endpoint is '${endpoint}'.`, line, 'url');
    }
    const body = parsed.body;
    if (!isObject(body) || typeof body.model !== 'string' || body.model === '') {
      return fail('missing_required_parameter', `Line ${line}: 'body.model' is required.`, line, 'body.model');
    }
    if (model === '') model = body.model;
    else if (body.model !== model) {
      return fail(
        'mismatched_model',
        `Line ${line} uses model '${body.model}' but earlier lines use '${model}'; a batch must use one model.`,
        line,
        'body.model',
      );
    }
    const format = responseFormatProblem(body.response_format);
    if (format) return fail(format.code, `Line ${line}: ${format.message}`, line, format.param);
    items.push({
      customId,
      messages: toMessages(body.messages),
      jsonSchema: toSchema(body.response_format),
      maxTokens: toMaxTokens(body),
    });
  });

  if (items.length === 0 && errors.length === 0) fail('empty_file', 'The input file contains no requests.', null);
  if (items.length > MAX_REQUESTS) {
    fail('too_many_requests', `A batch may contain at most ${MAX_REQUESTS} requests.`, null);
  }
  return { items, model, errors };
}
