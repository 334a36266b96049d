import { z } from 'zod';
import { acceptsNull } from './openai-strict';
import type { JsonSchema } from './to-json-schema';

export type DecodeResult =
  | { ok: true; data: unknown }
  | { ok: false; type: 'invalid_json' | 'schema_mismatch'; message: string };

/**
 * The model's text -> the zod schema's output. Optional properties that a strict dialect made
 * nullable come back as `null`; they are removed first so the same zod schema validates them.
 */
export function decodeStructured(text: string, schema: z.ZodType, canonical: JsonSchema): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, type: 'invalid_json', message: `not JSON: ${(err as Error).message}; text starts ${JSON.stringify(text.slice(0, 80))}` };
  }
  const parsed = schema.safeParse(dropNullOptionals(value, canonical, canonical));
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, type: 'schema_mismatch', message: z.prettifyError(parsed.error) };
}

function dropNullOptionals(value: unknown, node: JsonSchema, root: JsonSchema, depth = 0): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  const resolved = resolveRef(node, root);
  if (Array.isArray(value)) {
    const items = resolved.items as JsonSchema | undefined;
    return items ? value.map((v) => dropNullOptionals(v, items, root, depth + 1)) : value;
  }
  const branches = (resolved.anyOf ?? resolved.oneOf) as JsonSchema[] | undefined;
  if (branches) {
    const objectBranch = branches.map((b) => resolveRef(b, root)).find((b) => b.type === 'object');
    return objectBranch ? dropNullOptionals(value, objectBranch, root, depth + 1) : value;
  }
  const properties = resolved.properties as Record<string, JsonSchema> | undefined;
  if (!properties) return value;
  const required = new Set((resolved.required as string[] | undefined) ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const prop = properties[key];
    if (v === null && prop && !required.has(key) && !acceptsNull(resolveRef(prop, root))) continue;
    out[key] = prop ? dropNullOptionals(v, prop, root, depth + 1) : v;
  }
  return out;
}

function resolveRef(node: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  if (ref === '#') return root;
  const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  const defs = match ? (root[match[1]] as Record<string, JsonSchema> | undefined) : undefined;
  return (match && defs?.[match[2]]) || node;
}
