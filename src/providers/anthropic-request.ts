/** Building Anthropic Message Batch requests from prepared chat requests. */
import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import type { MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import { SchemaConversionError, type JsonSchema } from '../schema/to-json-schema';
import type { PreparedRequest } from '../types';
import type { ChunkSpec } from './types';

export type ChunkShape = Omit<ChunkSpec, 'requests' | 'tag'>;
export type SharedParams = Omit<MessageCreateParamsNonStreaming, 'messages' | 'system'>;

/** Anthropic requires max_tokens; 1024 is plenty for a structured answer and caps runaway output. */
export const DEFAULT_MAX_TOKENS = 1024;

/** Records (`additionalProperties: {schema}` / `true`) cannot be expressed: Anthropic only takes `false`. */
function rejectRecords(node: unknown, path: string): void {
  if (Array.isArray(node)) return node.forEach((n, i) => rejectRecords(n, `${path}/${i}`));
  if (!node || typeof node !== 'object') return;
  const schema = node as JsonSchema;
  const extra = schema.additionalProperties;
  if (extra === true || (extra && typeof extra === 'object')) {
    throw new SchemaConversionError(
      `${path}: records / maps (z.record) are not allowed in Anthropic structured outputs; use an array of {key, value} objects`,
    );
  }
  for (const [key, child] of Object.entries(schema)) if (child && typeof child === 'object') rejectRecords(child, `${path}/${key}`);
}

/**
 * Canonical JSON Schema -> Anthropic's structured-output dialect, via the SDK's own transform (the one
 * `jsonSchemaOutputFormat()` uses), so it tracks what the API accepts: `additionalProperties: false`
 * on every object, `oneOf` -> `anyOf`, and the keywords Anthropic rejects (numeric bounds, string
 * lengths, minItems > 1, unsupported formats...) moved into `description` as hints instead of
 * failing the batch.
 */
export function toAnthropicSchema(schema: JsonSchema): JsonSchema {
  rejectRecords(schema, '#');
  try {
    return transformJSONSchema(schema);
  } catch (err) {
    throw new SchemaConversionError(`schema cannot be sent to Anthropic: ${(err as Error).message}`);
  }
}

/**
 * The params every request of a chunk shares, built once per chunk (the schema is the costly part).
 * `params.temperature` is deliberately NOT sent: API version 2026-10-21 (the one SDK 1.x speaks)
 * removed temperature/top_p/top_k and answers 400 "Extra inputs are not permitted" even at default
 * values; in a batch that would come back as every item errored.
 */
const sharedCache = new WeakMap<ChunkShape, SharedParams>();
export function sharedParams(chunk: ChunkShape): SharedParams {
  const cached = sharedCache.get(chunk);
  if (cached) return cached;
  const shared: SharedParams = {
    model: chunk.model,
    max_tokens: chunk.params.maxTokens ?? DEFAULT_MAX_TOKENS,
    output_config: { format: { type: 'json_schema', schema: toAnthropicSchema(chunk.output.jsonSchema) } },
  };
  sharedCache.set(chunk, shared);
  return shared;
}

/**
 * One prepared request -> one batch request. Anthropic takes the system prompt apart from the turns:
 * EVERY system message is lifted into `system`, joined by a blank line in their original order (keeping
 * only the last one would silently drop instructions).
 */
export function toBatchRequest(request: PreparedRequest, shared: SharedParams): BatchCreateParams.Request {
  const system = request.messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const messages = request.messages
    .filter((m) => m.role !== 'system')
    .map((m) => ({ role: m.role as 'user' | 'assistant', content: m.content }));
  return { custom_id: request.customId, params: { ...shared, ...(system && { system }), messages } };
}

/** Bytes a request adds to the create body: its JSON plus the separating comma. */
export function batchRequestBytes(request: BatchCreateParams.Request): number {
  return Buffer.byteLength(JSON.stringify(request)) + 1;
}
