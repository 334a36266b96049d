export { toCanonicalJsonSchema, SchemaConversionError, type JsonSchema } from './to-json-schema';
export { toOpenAIStrictSchema } from './openai-strict';
export { decodeStructured, type DecodeResult } from './decode';
export { checkRegistry, schemaNameOf, type SchemaRegistry } from './registry';
