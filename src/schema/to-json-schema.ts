import { z } from 'zod';
import { DurabatchError } from '../errors';

export type JsonSchema = Record<string, unknown>;

/** Raised when a zod schema cannot be sent to a provider as a structured-output schema. */
export class SchemaConversionError extends DurabatchError {
  override name = 'SchemaConversionError';
}

/**
 * zod -> canonical JSON Schema (draft 2020-12), the one every provider dialect starts from.
 * Unrepresentable types (dates, transforms, functions, bigint...) throw: a schema the model
 * cannot be told about is bad input, not something to discover after paying for a batch.
 */
export function toCanonicalJsonSchema(schema: z.ZodType, name = 'schema'): JsonSchema {
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { unrepresentable: 'throw', io: 'output' }) as JsonSchema;
  } catch (err) {
    throw new SchemaConversionError(
      `schema "${name}" cannot become JSON Schema: ${(err as Error).message}. ` +
        'Use JSON types only (objects, arrays, strings, numbers, booleans, enums, null).',
    );
  }
  if (json.type !== 'object') {
    throw new SchemaConversionError(
      `schema "${name}" must be a z.object(...) at the top level (got ${JSON.stringify(json.type ?? 'a union')}): ` +
        'providers require an object as the root of a structured-output schema; wrap it, e.g. z.object({ items: z.array(...) }).',
    );
  }
  delete json.$schema;
  return json;
}
