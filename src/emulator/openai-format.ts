/**
 * The checks OpenAI runs on a chat body's `response_format` before any model sees it: the schema's
 * name, and with `strict: true` the Structured Outputs rules (an object root; every object closed
 * with `additionalProperties: false` and listing all its properties in `required`). Messages follow
 * the real API's wording, context tuples included, so a failure reads the same as in production.
 */

export interface FormatProblem {
  code: string;
  message: string;
  param: string;
}

type Json = Record<string, unknown>;

const NAME_PATTERN = /^[a-zA-Z0-9_-]+$/;
const MAX_NAME_LENGTH = 64;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/** Python's tuple repr, which the real messages use for the path: (), ('items',), ('properties', 'a'). */
function context(path: string[]): string {
  const parts = path.map((p) => `'${p}'`);
  return parts.length === 1 ? `(${parts[0]},)` : `(${parts.join(', ')})`;
}

function isObjectSchema(node: Json): boolean {
  return node.type === 'object' || (Array.isArray(node.type) && node.type.includes('object')) || isObject(node.properties);
}

/** The first strict-mode violation under `node`, depth first, as the message's tail. */
function strictViolation(node: unknown, path: string[]): string | undefined {
  if (!isObject(node)) return undefined;
  if (isObjectSchema(node)) {
    if (node.additionalProperties !== false) {
      return `In context=${context(path)}, 'additionalProperties' is required to be supplied and to be false.`;
    }
    const keys = Object.keys(isObject(node.properties) ? node.properties : {});
    const required = Array.isArray(node.required) ? node.required : [];
    const missing = keys.find((k) => !required.includes(k));
    if (missing !== undefined) {
      return `In context=${context(path)}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    }
  }
  const children: Array<[unknown, string[]]> = [];
  if (isObject(node.properties)) for (const [k, v] of Object.entries(node.properties)) children.push([v, [...path, 'properties', k]]);
  if (node.items !== undefined) children.push([node.items, [...path, 'items']]);
  for (const key of ['anyOf', 'allOf', 'oneOf'] as const) {
    const list = node[key];
    if (Array.isArray(list)) list.forEach((v, i) => children.push([v, [...path, key, String(i)]]));
  }
  for (const key of ['$defs', 'definitions'] as const) {
    const defs = node[key];
    if (isObject(defs)) for (const [k, v] of Object.entries(defs)) children.push([v, [...path, key, k]]);
  }
  for (const [child, childPath] of children) {
    const found = strictViolation(child, childPath);
    if (found) return found;
  }
  return undefined;
}

export function responseFormatProblem(responseFormat: unknown): FormatProblem | undefined {
  if (!isObject(responseFormat) || responseFormat.type !== 'json_schema') return undefined;
  const spec = responseFormat.json_schema;
  const param = 'body.response_format.json_schema.name';
  if (!isObject(spec)) {
    return {
      code: 'missing_required_parameter',
      message: "Missing required parameter: 'response_format.json_schema'.",
      param: 'body.response_format.json_schema',
    };
  }
  const name = spec.name;
  if (typeof name !== 'string' || name === '') {
    return { code: 'missing_required_parameter', message: "Missing required parameter: 'response_format.json_schema.name'.", param };
  }
  if (name.length > MAX_NAME_LENGTH) {
    return {
      code: 'string_above_max_length',
      message: `Invalid 'response_format.json_schema.name': string too long. Expected a string with maximum length ${MAX_NAME_LENGTH}, but got a string with length ${name.length} instead.`,
      param,
    };
  }
  if (!NAME_PATTERN.test(name)) {
    return {
      code: 'invalid_value',
      message: `Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '${NAME_PATTERN.source}'.`,
      param,
    };
  }
  if (spec.strict !== true || !isObject(spec.schema)) return undefined;
  const prefix = `Invalid schema for response_format '${name}': `;
  if (spec.schema.type !== 'object') {
    const got = JSON.stringify(spec.schema.type ?? (spec.schema.anyOf ? 'anyOf' : null));
    return {
      code: 'invalid_json_schema',
      message: `${prefix}schema must be a JSON Schema of 'type: "object"', got 'type: ${got}'.`,
      param: 'body.response_format',
    };
  }
  const violation = strictViolation(spec.schema, []);
  return violation ? { code: 'invalid_json_schema', message: prefix + violation, param: 'body.response_format' } : undefined;
}
