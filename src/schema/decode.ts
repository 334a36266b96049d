import { z } from 'zod';
import { acceptsNull } from './openai-strict';
import type { JsonSchema } from './to-json-schema';

export type DecodeResult = { ok: true; data: unknown } | { ok: false; type: 'invalid_json' | 'schema_mismatch'; message: string };

/** Bounds the walk over recursive ($ref) schemas; deeper values are left for zod to judge. */
const MAX_DEPTH = 64;

/**
 * The model's text -> the zod schema's output. Optional properties that a strict dialect made
 * nullable come back as `null`; they are removed first so the same zod schema validates them.
 */
export function decodeStructured(text: string, schema: z.ZodType, canonical: JsonSchema): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      type: 'invalid_json',
      message: `not JSON: ${(err as Error).message}; text starts ${JSON.stringify(text.slice(0, 80))}`,
    };
  }
  const parsed = schema.safeParse(dropNullOptionals(value, canonical, canonical));
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, type: 'schema_mismatch', message: z.prettifyError(parsed.error) };
}

/**
 * `value` with the strict dialect's stand-in nulls removed. Runs on every answer, so it copies
 * lazily: an object or array none of whose members change is returned as it is (nothing else
 * holds the freshly parsed value, so sharing it is not observable), and a copy is made only from
 * the first member that does change (a null dropped, a nested value cleaned, or a `__proto__` key,
 * whose assignment to a new object sets its prototype: kept exactly as before).
 */
function dropNullOptionals(value: unknown, node: JsonSchema, root: JsonSchema, depth = 0): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  const resolved = resolveRef(node, root);
  // Unions come first: a nullable array or object is itself an anyOf with a null branch.
  const branches = (resolved.anyOf ?? resolved.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(branches)) return dropForUnion(value, branches, root, depth);
  if (Array.isArray(resolved.allOf)) {
    for (const part of resolved.allOf as JsonSchema[]) value = dropNullOptionals(value, part, root, depth + 1);
  }
  if (Array.isArray(value)) return dropInArray(value, resolved, root, depth);
  const properties = resolved.properties as Record<string, JsonSchema> | undefined;
  if (!properties) return value;
  const required = requiredSet(resolved.required as string[] | undefined);
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const v = obj[key];
    const prop = properties[key];
    if (v === null && prop && !required.has(key) && !acceptsNull(resolveRef(prop, root))) {
      out ??= copyKeys(obj, keys, i);
      continue;
    }
    const cleaned = prop ? dropNullOptionals(v, prop, root, depth + 1) : v;
    if (out) out[key] = cleaned;
    else if (cleaned !== v || key === '__proto__') {
      out = copyKeys(obj, keys, i);
      out[key] = cleaned;
    }
  }
  return out ?? value;
}

function dropInArray(value: unknown[], resolved: JsonSchema, root: JsonSchema, depth: number): unknown[] {
  const prefix = (resolved.prefixItems as JsonSchema[] | undefined) ?? [];
  const items = isSchemaObject(resolved.items) ? resolved.items : undefined;
  let out: unknown[] | undefined;
  for (let i = 0; i < value.length; i++) {
    const itemSchema = i < prefix.length ? prefix[i] : items;
    const v = value[i];
    const cleaned = itemSchema ? dropNullOptionals(v, itemSchema, root, depth + 1) : v;
    if (out) out.push(cleaned);
    else if (cleaned !== v) {
      out = value.slice(0, i);
      out.push(cleaned);
    }
  }
  return out ?? value;
}

/** A new object with the first `count` of `keys` (members left unchanged so far), assigned in order. */
function copyKeys(obj: Record<string, unknown>, keys: string[], count: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) out[keys[i]!] = obj[keys[i]!];
  return out;
}

/** One Set per schema's `required` list, not one per value. */
const requiredSets = new WeakMap<string[], Set<string>>();
const NONE_REQUIRED: ReadonlySet<string> = new Set();

function requiredSet(required: string[] | undefined): ReadonlySet<string> {
  if (required === undefined || required === null) return NONE_REQUIRED;
  if (!Array.isArray(required)) return new Set(required); // not what zod emits: read as before
  let set = requiredSets.get(required);
  if (!set) {
    set = new Set(required);
    requiredSets.set(required, set);
  }
  return set;
}

/**
 * Which nulls are stand-ins for absent keys depends on the branch the model answered with
 * (`{k:'b', y:null}` only makes sense against the branch declaring an optional `y`), so each
 * branch is tried in order and the first whose cleaned value fits it wins, as z.union picks.
 */
function dropForUnion(value: unknown, branches: JsonSchema[], root: JsonSchema, depth: number): unknown {
  for (const branch of branches) {
    const candidate = dropNullOptionals(value, branch, root, depth + 1);
    if (conforms(candidate, branch, root, depth + 1)) return candidate;
  }
  // Nothing fits, so zod will reject it either way; cleaning against a branch of the right JSON
  // type keeps the report about the real problem rather than the strict dialect's nulls.
  const fallback = branches.find((b) => typeAllows(resolveRef(b, root).type, value));
  return fallback ? dropNullOptionals(value, fallback, root, depth + 1) : value;
}

/**
 * Whether a JSON value satisfies a canonical JSON Schema, covering the keywords zod emits.
 * It only has to pick a union branch; zod still validates the result, so unknown keywords
 * (formats and the like) are accepted rather than guessed at.
 */
function conforms(value: unknown, node: unknown, root: JsonSchema, depth: number): boolean {
  if (node === true || node === undefined) return true;
  if (node === false) return false;
  if (!isSchemaObject(node) || depth > MAX_DEPTH) return true;
  const s = resolveRef(node, root);
  const next = depth + 1;

  if (Array.isArray(s.anyOf) && !(s.anyOf as JsonSchema[]).some((b) => conforms(value, b, root, next))) return false;
  if (Array.isArray(s.oneOf) && !(s.oneOf as JsonSchema[]).some((b) => conforms(value, b, root, next))) return false;
  if (Array.isArray(s.allOf) && !(s.allOf as JsonSchema[]).every((b) => conforms(value, b, root, next))) return false;
  if (s.type !== undefined && !typeAllows(s.type, value)) return false;
  if ('const' in s && !jsonEqual(value, s.const)) return false;
  if (Array.isArray(s.enum) && !s.enum.some((e) => jsonEqual(value, e))) return false;

  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) return false;
    if (typeof s.maxLength === 'number' && value.length > s.maxLength) return false;
    const re = typeof s.pattern === 'string' ? safeRegExp(s.pattern) : null;
    if (re && !re.test(value)) return false;
  } else if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) return false;
    if (typeof s.maximum === 'number' && value > s.maximum) return false;
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) return false;
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) return false;
  } else if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) return false;
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) return false;
    const prefix = (s.prefixItems as unknown[] | undefined) ?? [];
    for (let i = 0; i < value.length; i++) {
      if (!conforms(value[i], i < prefix.length ? prefix[i] : s.items, root, next)) return false;
    }
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const properties = (s.properties as Record<string, unknown> | undefined) ?? {};
    for (const key of (s.required as string[] | undefined) ?? []) if (!(key in obj)) return false;
    for (const [key, v] of Object.entries(obj)) {
      if (key in properties) {
        if (!conforms(v, properties[key], root, next)) return false;
      } else if (!s.patternProperties && !conforms(v, s.additionalProperties, root, next)) {
        return false;
      }
    }
  }
  return true;
}

function typeAllows(type: unknown, value: unknown): boolean {
  if (type === undefined) return true;
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => {
    switch (t) {
      case 'null':
        return value === null;
      case 'boolean':
        return typeof value === 'boolean';
      case 'string':
        return typeof value === 'string';
      case 'number':
        return typeof value === 'number';
      case 'integer':
        return Number.isInteger(value);
      case 'array':
        return Array.isArray(value);
      case 'object':
        return value !== null && typeof value === 'object' && !Array.isArray(value);
      default:
        return true;
    }
  });
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => k in b && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const regexCache = new Map<string, RegExp | null>();

/** zod emits JS regex sources; one this engine cannot compile is left for zod to judge. */
function safeRegExp(pattern: string): RegExp | null {
  if (!regexCache.has(pattern)) {
    let re: RegExp | null;
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return regexCache.get(pattern)!;
}

function isSchemaObject(node: unknown): node is JsonSchema {
  return node !== null && typeof node === 'object' && !Array.isArray(node);
}

function resolveRef(node: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  if (ref === '#') return root;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const defs = match ? (root[match[1]] as Record<string, JsonSchema> | undefined) : undefined;
  return (match && defs?.[match[2]]) || node;
}
