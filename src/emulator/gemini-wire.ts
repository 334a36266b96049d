/**
 * Gemini Batch API (Developer API, "mldev") wire shapes for the emulator: GenerateContentRequest ->
 * engine item, engine batch -> long-running Operation, engine result -> GenerateContentResponse or
 * google.rpc.Status, and Google's error body. The SDK (2.32) only reads `name` and `metadata.*`
 * (state, displayName, times, model, output), so everything a client needs lives under `metadata`;
 * `done`/`response`/`error` are filled too for plain REST clients.
 */
import type { ChatMessage } from '../types';
import { fnv1a, type BatchEngine, type EmulatedBatch, type EmulatedItem, type EmulatedItemResult, type EnginePhase } from './engine';

const TYPE_BATCH = 'type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatch';
const TYPE_OUTPUT = 'type.googleapis.com/google.ai.generativelanguage.v1beta.GenerateContentBatchOutput';

/** What the batch routes keep in `batch.meta`. */
export interface GeminiBatchMeta {
  displayName?: string;
  /** `files/<id>` when created from an uploaded JSONL file; inline otherwise */
  inputFileName?: string;
  /** per input position: the inline request's `metadata` (echoed back), or the file line's `key` */
  inlineMetadata: Array<Record<string, unknown> | undefined>;
  fileKeys: Array<string | undefined>;
  /** input position -> why the request is invalid (reported as that item's error) */
  invalid: Record<number, string>;
  /** `files/<id>` of the responses file, once written */
  responsesFile?: string;
  deleted?: boolean;
}

export const metaOf = (batch: EmulatedBatch) => batch.meta as unknown as GeminiBatchMeta;

/** google.rpc code names by HTTP status, as Google APIs report them. */
const RPC: Record<number, { code: number; status: string }> = {
  400: { code: 3, status: 'INVALID_ARGUMENT' },
  401: { code: 16, status: 'UNAUTHENTICATED' },
  403: { code: 7, status: 'PERMISSION_DENIED' },
  404: { code: 5, status: 'NOT_FOUND' },
  409: { code: 6, status: 'ALREADY_EXISTS' },
  429: { code: 8, status: 'RESOURCE_EXHAUSTED' },
  500: { code: 13, status: 'INTERNAL' },
  503: { code: 14, status: 'UNAVAILABLE' },
  504: { code: 4, status: 'DEADLINE_EXCEEDED' },
};
export const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
};

/** An HTTP error body: `{error:{code (the HTTP status), message, status}}`. */
export function errorBody(httpStatus: number, message: string) {
  return { error: { code: httpStatus, message, status: STATUS_NAME[httpStatus] ?? 'UNKNOWN' } };
}

/** An item-level error inside batch output: a google.rpc.Status, whose `code` is the gRPC code. */
function rpcStatus(httpStatus: number, message: string) {
  const rpc = RPC[httpStatus] ?? RPC[500];
  return { code: rpc.code, message, status: rpc.status };
}

type Part = { text?: unknown; thought?: unknown };
type Content = { role?: unknown; parts?: unknown };

function textOfContent(content: Content | undefined): string {
  if (!content || !Array.isArray(content.parts)) return '';
  return (content.parts as Part[])
    .filter((p) => p && typeof p.text === 'string' && !p.thought)
    .map((p) => p.text as string)
    .join('');
}

/** `responseSchema` is Google's OpenAPI subset with upper-case types ("OBJECT"); the engine wants JSON Schema. */
function lowerTypes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(lowerTypes);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'type' && typeof v === 'string' ? v.toLowerCase() : lowerTypes(v);
  return out;
}

/** camelCase or snake_case: the file input accepts both (`generation_config` in the guide's examples). */
function pick(obj: Record<string, unknown> | undefined, camel: string, snake: string): unknown {
  return obj?.[camel] ?? obj?.[snake];
}

/** A GenerateContentRequest -> an engine item, plus why it is invalid (if it is). */
export function toEmulatedItem(customId: string, rawRequest: unknown): { item: EmulatedItem; invalid?: string } {
  const request = (rawRequest && typeof rawRequest === 'object' ? rawRequest : {}) as Record<string, unknown>;
  const messages: ChatMessage[] = [];
  const system = pick(request, 'systemInstruction', 'system_instruction') as Content | undefined;
  if (system) messages.push({ role: 'system', content: textOfContent(system) });
  const contents = request.contents;
  if (Array.isArray(contents)) {
    for (const c of contents as Content[]) {
      messages.push({ role: c?.role === 'model' ? 'assistant' : 'user', content: textOfContent(c) });
    }
  }
  const config = pick(request, 'generationConfig', 'generation_config') as Record<string, unknown> | undefined;
  const rawJsonSchema = pick(config, 'responseJsonSchema', 'response_json_schema') as Record<string, unknown> | undefined;
  const rawSchema = pick(config, 'responseSchema', 'response_schema');
  const jsonSchema = rawJsonSchema ?? (lowerTypes(rawSchema) as Record<string, unknown> | undefined);
  const maxTokens = pick(config, 'maxOutputTokens', 'max_output_tokens');
  const item: EmulatedItem = {
    customId,
    messages,
    ...(jsonSchema && { jsonSchema }),
    ...(typeof maxTokens === 'number' && maxTokens > 0 && { maxTokens }),
  };
  if (!Array.isArray(contents) || contents.length === 0) {
    return { item, invalid: '* GenerateContentRequest.contents: contents is not specified' };
  }
  const problem = schemaConfigProblem(config, rawJsonSchema !== undefined, rawSchema !== undefined);
  return problem ? { item, invalid: problem } : { item };
}

/**
 * A response schema only applies to JSON output: without `responseMimeType: application/json` the
 * real API rejects the request rather than ignore the schema. (`text/x.enum` is Google's other
 * schema-bearing type; the responder only writes JSON, so it is not emulated.)
 */
function schemaConfigProblem(config: Record<string, unknown> | undefined, hasJsonSchema: boolean, hasSchema: boolean): string | undefined {
  if (hasJsonSchema && hasSchema) {
    return '* GenerateContentRequest.generation_config.response_json_schema: response_schema and response_json_schema are mutually exclusive';
  }
  if (!hasJsonSchema && !hasSchema) return undefined;
  const mime = pick(config, 'responseMimeType', 'response_mime_type');
  if (mime !== 'application/json') {
    const field = hasJsonSchema ? 'response_json_schema' : 'response_schema';
    return `* GenerateContentRequest.generation_config.response_mime_type: must be application/json when ${field} is set (got ${mime === undefined ? 'none' : JSON.stringify(mime)})`;
  }
  return undefined;
}

const FINISH_REASONS = { stop: 'STOP', length: 'MAX_TOKENS', refusal: 'SAFETY' } as const;

/** One engine result -> `{response}` or `{error}`, the body of an inlined response or a file line. */
export function itemOutcome(batch: EmulatedBatch, result: EmulatedItemResult, invalid: string | undefined) {
  if (invalid && result.kind !== 'cancelled' && result.kind !== 'expired') return { error: rpcStatus(400, invalid) };
  switch (result.kind) {
    case 'ok': {
      const refused = result.finish === 'refusal';
      const candidate = refused
        ? // A safety block carries no content, only the reason and the rating that tripped it.
          {
            finishReason: 'SAFETY',
            index: 0,
            safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }],
          }
        : { content: { parts: [{ text: result.text }], role: 'model' }, finishReason: FINISH_REASONS[result.finish], index: 0 };
      const output = refused ? 0 : result.usage.outputTokens;
      return {
        response: {
          candidates: [candidate],
          usageMetadata: {
            promptTokenCount: result.usage.inputTokens,
            candidatesTokenCount: output,
            totalTokenCount: result.usage.inputTokens + output,
          },
          modelVersion: batch.model,
          responseId: fnv1a(`${batch.id}/${result.customId}`).toString(36),
        },
      };
    }
    case 'error':
      return { error: rpcStatus(result.status, result.message) };
    case 'cancelled':
      return { error: { code: 1, message: 'The batch was cancelled before this request ran.', status: 'CANCELLED' } };
    case 'expired':
      return { error: { code: 4, message: 'The batch expired before this request ran.', status: 'DEADLINE_EXCEEDED' } };
  }
}

const STATES: Record<EnginePhase, string> = {
  validating: 'BATCH_STATE_PENDING',
  in_progress: 'BATCH_STATE_RUNNING',
  finalizing: 'BATCH_STATE_RUNNING',
  // The Developer API has no CANCELLING state: a cancelled batch keeps running until it has stopped.
  cancelling: 'BATCH_STATE_RUNNING',
  completed: 'BATCH_STATE_SUCCEEDED',
  failed: 'BATCH_STATE_FAILED',
  expired: 'BATCH_STATE_EXPIRED',
  cancelled: 'BATCH_STATE_CANCELLED',
};

export const isTerminal = (phase: EnginePhase) => ['completed', 'failed', 'expired', 'cancelled'].includes(phase);

/** Which batches hand back results: EXPIRED ones have none at all, FAILED ones never ran. */
export const hasOutput = (phase: EnginePhase) => phase === 'completed' || phase === 'cancelled';

/** `{responses}` per input position for a batch that has output, in input order. */
export function outcomes(engine: BatchEngine, batch: EmulatedBatch) {
  const results = engine.results(batch) ?? [];
  const meta = metaOf(batch);
  return results.map((r, i) => itemOutcome(batch, r, meta.invalid[i]));
}

const iso = (ms: number) => new Date(ms).toISOString();

/** int64 fields are JSON strings in Google APIs. */
function batchStats(engine: BatchEngine, batch: EmulatedBatch, phase: EnginePhase) {
  const total = batch.items.length;
  let ok: number;
  let failed: number;
  const results = isTerminal(phase) ? engine.results(batch) : undefined;
  if (results) {
    ok = results.filter((r) => r.kind === 'ok').length;
    failed = results.filter((r) => r.kind === 'error').length;
  } else {
    const progress = engine.progress(batch);
    ok = progress.done - progress.failed;
    failed = progress.failed;
  }
  return {
    requestCount: String(total),
    successfulRequestCount: String(ok),
    failedRequestCount: String(failed),
    pendingRequestCount: String(total - ok - failed),
  };
}

/** The output as it goes into `metadata.output` (and `response`): a responses file, or inlined responses. */
function outputOf(engine: BatchEngine, batch: EmulatedBatch) {
  const meta = metaOf(batch);
  if (meta.inputFileName) return meta.responsesFile ? { responsesFile: meta.responsesFile } : undefined;
  const inlinedResponses = outcomes(engine, batch).map((o, i) => ({
    ...o,
    ...(meta.inlineMetadata[i] && { metadata: meta.inlineMetadata[i] }),
  }));
  return { inlinedResponses: { inlinedResponses } };
}

/** The long-running Operation every batch call answers with. */
export function operation(engine: BatchEngine, batch: EmulatedBatch) {
  const meta = metaOf(batch);
  const phase = engine.phase(batch);
  const times = engine.timestamps(batch);
  const name = `batches/${batch.id}`;
  const done = isTerminal(phase);
  const output = hasOutput(phase) ? outputOf(engine, batch) : undefined;
  const updatedAt = Math.max(batch.createdAtMs, times.inProgressAtMs ?? 0, times.cancellingAtMs ?? 0, times.endedAtMs ?? 0);
  return {
    name,
    metadata: {
      '@type': TYPE_BATCH,
      model: `models/${batch.model}`,
      ...(meta.displayName !== undefined && { displayName: meta.displayName }),
      ...(meta.inputFileName && { inputConfig: { fileName: meta.inputFileName } }),
      createTime: iso(batch.createdAtMs),
      updateTime: iso(updatedAt),
      ...(times.endedAtMs !== undefined && { endTime: iso(times.endedAtMs) }),
      batchStats: batchStats(engine, batch, phase),
      state: STATES[phase],
      name,
      ...(output && { output }),
    },
    done,
    ...(output && { response: { '@type': TYPE_OUTPUT, ...output } }),
    ...(phase === 'failed' && {
      error: { code: 3, message: 'The batch failed validation and did not run (emulated batch failure).' },
    }),
  };
}
