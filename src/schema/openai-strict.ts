import { SchemaConversionError, type JsonSchema } from './to-json-schema';

/** Keywords strict mode rejects or that only add noise to the prompt. */
const DROPPED_KEYWORDS = ['default', '$schema', 'examples', 'title'];

/**
 * Canonical JSON Schema -> OpenAI's strict `json_schema` dialect: every property required,
 * `additionalProperties: false` on every object, optional properties made nullable instead
 * (decodeStructured turns those nulls back into absent keys before zod sees them).
 */
export function toOpenAIStrictSchema(schema: JsonSchema): JsonSchema {
  return strictify(structuredClone(schema), '#');
}

function strictify(node: JsonSchema, path: string): JsonSchema {
  for (const key of DROPPED_KEYWORDS) delete node[key];
  // zod emits both `format: email` and its own regex; the format alone is what strict mode supports well.
  if (node.format && node.pattern) delete node.pattern;
  // zod's int bounds are the JS safe-integer range: noise, not a constraint.
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;

  if (node.type === 'object' || node.properties) {
    if (node.additionalProperties && typeof node.additionalProperties === 'object') {
      throw new SchemaConversionError(
        `${path}: records / maps (z.record) are not allowed in OpenAI strict structured outputs; use an array of {key, value} objects`,
      );
    }
    const properties = (node.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((node.required as string[] | undefined) ?? []);
    for (const [key, child] of Object.entries(properties)) {
      const strictChild = strictify(child, `${path}/properties/${key}`);
      properties[key] = required.has(key) || acceptsNull(strictChild) ? strictChild : { anyOf: [strictChild, { type: 'null' }] };
    }
    node.properties = properties;
    node.required = Object.keys(properties);
    node.additionalProperties = false;
  }
  if (node.items && typeof node.items === 'object') node.items = strictify(node.items as JsonSchema, `${path}/items`);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    if (Array.isArray(node[key])) node[key] = (node[key] as JsonSchema[]).map((s, i) => strictify(s, `${path}/${key}/${i}`));
  }
  // Strict mode supports anyOf but not oneOf; for JSON data the two only differ on overlap.
  if (node.oneOf) {
    node.anyOf = node.oneOf;
    delete node.oneOf;
  }
  for (const defsKey of ['$defs', 'definitions'] as const) {
    const defs = node[defsKey] as Record<string, JsonSchema> | undefined;
    if (defs) for (const [k, v] of Object.entries(defs)) defs[k] = strictify(v, `${path}/${defsKey}/${k}`);
  }
  return node;
}

export function acceptsNull(node: JsonSchema): boolean {
  if (node.type === 'null') return true;
  if (Array.isArray(node.type) && node.type.includes('null')) return true;
  for (const key of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(node[key]) && (node[key] as JsonSchema[]).some(acceptsNull)) return true;
  }
  return false;
}
