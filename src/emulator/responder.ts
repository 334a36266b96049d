/**
 * The emulator's deterministic "model": it answers with schema-valid JSON built from the last user
 * message (names, emails and numbers it can find there), so pipelines tested offline get plausible,
 * reproducible data. Also makes the deliberately wrong answers the fault injector hands out.
 */
import type { ChatMessage } from '../types';
import { fallbackNumber, fits, numberRule } from './numbers';
import { compilePattern, sampleForPattern } from './pattern';

type Schema = Record<string, unknown>;

const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Two or more Capitalised words in a row: the cheapest way to spot a person's (or thing's) name. */
const NAME_RUN_RE = /\b[A-Z][a-z]+(?:[ '-][A-Z][a-z]+)+\b/g;
/** Numbers standing on their own: the 0 in "Number0" or "p0" is part of a name, not an age. */
const NUMBER_RE = /(?<![\w.])-?\d+(?:\.\d+)?(?![\w.]*\w)/g;
const MAX_DEPTH = 8;

/** What the answer is drawn from; numbers are handed out in order, one per numeric field. */
class TextFacts {
  readonly emails: string[];
  readonly names: string[];
  readonly numbers: number[];
  private used = new Set<number>();

  constructor(readonly text: string) {
    this.emails = text.match(EMAIL_RE) ?? [];
    this.names = text.match(NAME_RUN_RE) ?? [];
    // Digits inside e-mail addresses are not quantities.
    const withoutEmails = text.replace(EMAIL_RE, ' ');
    this.numbers = (withoutEmails.match(NUMBER_RE) ?? []).map(Number);
  }

  /** Next unused number the schema accepts (integers: the number's whole part), if the text has one. */
  takeNumber(accepts: (n: number) => boolean, integer: boolean): number | undefined {
    for (let i = 0; i < this.numbers.length; i++) {
      const n = integer ? Math.trunc(this.numbers[i]) : this.numbers[i];
      if (!this.used.has(i) && accepts(n)) {
        this.used.add(i);
        return n;
      }
    }
    return undefined;
  }

  /** Pieces of the message a `pattern` might accept as they are: e-mails, names, words, numbers. */
  candidates(): string[] {
    const words = this.text.split(/\s+/).filter(Boolean);
    const bare = words.map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')).filter(Boolean);
    return [...new Set([...this.emails, ...this.names, ...bare, ...words, ...this.numbers.map(String), this.snippet()])];
  }

  snippet(max = 60): string {
    const flat = this.text.replace(/\s+/g, ' ').trim();
    const sentence = flat.split(/(?<=[.!?])\s/)[0] ?? flat;
    return (sentence.length > max ? sentence.slice(0, max).trimEnd() : sentence) || 'example';
  }
}

function lastUserText(messages: ChatMessage[]): string {
  const user = [...messages].reverse().find((m) => m.role === 'user') ?? messages[messages.length - 1];
  return user?.content ?? '';
}

/** Resolves local `$ref`s ("#/$defs/X", "#/definitions/X", "#") against the root schema. */
function deref(schema: Schema, root: Schema): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && hops < MAX_DEPTH; hops++) {
    const ref = current.$ref as string;
    if (!ref.startsWith('#')) break;
    let target: unknown = root;
    for (const raw of ref.slice(1).split('/').filter(Boolean)) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      target = (target as Record<string, unknown> | undefined)?.[part];
    }
    if (!target || typeof target !== 'object') break;
    const { $ref: _ref, ...siblings } = current;
    current = { ...(target as Schema), ...siblings };
  }
  return current;
}

function isNullSchema(s: unknown): boolean {
  return !!s && typeof s === 'object' && ((s as Schema).type === 'null' || (s as Schema).const === null);
}

function mainType(schema: Schema): string {
  const t = schema.type;
  if (Array.isArray(t)) return (t.find((x) => x !== 'null') as string | undefined) ?? 'null';
  if (typeof t === 'string') return t;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return 'string';
}

function isNameKey(key: string): boolean {
  return /(^|_)name$/i.test(key) || /[a-z]Name$/.test(key) || key === 'name';
}

function nameFor(key: string, facts: TextFacts): string {
  const full = facts.names[0] ?? facts.text.match(/\b[A-Z][a-z]+\b/)?.[0] ?? 'Alex Example';
  const parts = full.split(/[ ]/);
  if (/^first_?name$/i.test(key) || /^given_?name$/i.test(key)) return parts[0];
  if (/^last_?name$/i.test(key) || /^(sur|family_?)name$/i.test(key)) return parts[parts.length - 1];
  return full;
}

function stringFor(schema: Schema, key: string, facts: TextFacts): string {
  const format = schema.format;
  let value: string;
  if (format === 'email' || /email/i.test(key)) value = facts.emails[0] ?? 'user@example.com';
  else if (format === 'date') value = '2024-01-01';
  else if (format === 'date-time') value = '2024-01-01T00:00:00Z';
  else if (format === 'time') value = '00:00:00';
  else if (format === 'uri' || format === 'url') value = 'https://example.com';
  else if (format === 'uuid') value = '00000000-0000-4000-8000-000000000000';
  else if (isNameKey(key)) value = nameFor(key, facts);
  else value = facts.snippet();
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  if (value.length > max) value = value.slice(0, max);
  if (value.length < min) value = value.padEnd(min, 'x');
  return matchPatterns(value, patternsOf(schema), min, max, facts);
}

/**
 * A value that also matches every `pattern`: the drawn one if it does, else a piece of the message
 * that does, else one built from the (first) pattern. When none of that works (a lookaround, a
 * backreference, patterns that contradict each other) the drawn value is kept: the answer then
 * fails the pattern, as a model's sometimes does.
 */
function matchPatterns(value: string, patterns: string[], min: number, max: number, facts: TextFacts): string {
  const regexes = patterns.map(compilePattern).filter((r): r is RegExp => r !== undefined);
  if (regexes.length === 0) return value;
  const ok = (s: string) => s.length >= min && s.length <= max && regexes.every((r) => r.test(s));
  if (ok(value)) return value;
  const found = facts.candidates().find(ok);
  if (found !== undefined) return found;
  for (const pattern of patterns) {
    const built = sampleForPattern(pattern, min, max);
    if (built !== undefined && ok(built)) return built;
  }
  return value;
}

function numberFor(schema: Schema, integer: boolean, facts: TextFacts): number {
  const rule = numberRule(schema, integer, divisorsOf(schema));
  return facts.takeNumber((n) => fits(rule, n), integer) ?? fallbackNumber(rule);
}

/**
 * Every allOf part holds at once, but merging parts by spreading keeps only the last `pattern` and
 * `multipleOf` (zod puts stacked regexes and divisors in allOf), so merging collects them here.
 */
const ALL_PATTERNS = 'emulator:patterns';
const ALL_DIVISORS = 'emulator:divisors';

function patternsOf(schema: Schema): string[] {
  const own = typeof schema.pattern === 'string' ? [schema.pattern] : [];
  return [...new Set([...own, ...((schema[ALL_PATTERNS] as string[] | undefined) ?? [])])];
}

function divisorsOf(schema: Schema): number[] {
  const own = typeof schema.multipleOf === 'number' ? [schema.multipleOf] : [];
  return [...new Set([...own, ...((schema[ALL_DIVISORS] as number[] | undefined) ?? [])])];
}

/** Singular-ish key for array items, so `emails: string[]` still reads as e-mails. */
function itemKey(key: string): string {
  return key.endsWith('s') ? key.slice(0, -1) : key;
}

function generate(input: Schema, key: string, root: Schema, facts: TextFacts, depth: number): unknown {
  const schema = deref(input, root);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    return schema.enum.find((v) => v !== null) ?? schema.enum[0];
  }
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    const branch = branches.find((b) => !isNullSchema(deref(b, root))) ?? branches[0];
    return generate(branch, key, root, facts, depth);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as Schema[]).map((part) => deref(part, root));
    const merged = parts.reduce<Schema>(
      (acc, p) => ({ ...acc, ...p, properties: { ...(acc.properties as Schema), ...(p.properties as Schema) } }),
      {},
    );
    merged[ALL_PATTERNS] = [schema, ...parts].flatMap(patternsOf);
    merged[ALL_DIVISORS] = [schema, ...parts].flatMap(divisorsOf);
    return generate({ ...schema, allOf: undefined, ...merged }, key, root, facts, depth);
  }
  switch (mainType(schema)) {
    case 'object': {
      const out: Record<string, unknown> = {};
      if (depth >= MAX_DEPTH) return out;
      for (const [prop, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
        out[prop] = generate(sub, prop, root, facts, depth + 1);
      }
      return out;
    }
    case 'array': {
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const max = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
      const count = depth >= MAX_DEPTH ? 0 : Math.min(Math.max(min, 1), max);
      const items = (schema.items && typeof schema.items === 'object' ? schema.items : {}) as Schema;
      return Array.from({ length: count }, () => generate(items, itemKey(key), root, facts, depth + 1));
    }
    case 'integer':
      return numberFor(schema, true, facts);
    case 'number':
      return numberFor(schema, false, facts);
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return stringFor(schema, key, facts);
  }
}

/** The default, successful answer: schema-valid JSON text, or a short plain-text reply without a schema. */
export function answerFor(messages: ChatMessage[], schema?: Record<string, unknown>): string {
  const facts = new TextFacts(lastUserText(messages));
  if (!schema) return `Emulated answer: ${facts.snippet(120)}`;
  return JSON.stringify(generate(schema, '', schema, facts, 0));
}

/** A value of a type no JSON Schema `type` in `schema` accepts (given its own type). */
function wrongValueFor(schema: Schema, root: Schema): unknown {
  const s = deref(schema, root);
  if ('const' in s || Array.isArray(s.enum)) return { not: 'allowed' };
  const type = mainType(s);
  if (type === 'string') return 12345;
  if (type === 'integer' || type === 'number') return 'not a number';
  if (type === 'boolean') return 'not a boolean';
  if (type === 'array') return 'not an array';
  if (type === 'null') return 'not null';
  return 'not an object';
}

/**
 * JSON that parses but breaks the schema: the first required property gets a wrong type (or, for
 * an object without properties, a required key goes missing); non-object roots get a wrong type.
 */
export function mismatchFor(messages: ChatMessage[], schema?: Record<string, unknown>): string {
  if (!schema) return JSON.stringify({ unexpected: true });
  const root = deref(schema, schema);
  if (mainType(root) !== 'object') return JSON.stringify(wrongValueFor(root, schema));
  const valid = JSON.parse(answerFor(messages, schema)) as Record<string, unknown>;
  const props = (root.properties ?? {}) as Record<string, Schema>;
  const required = Array.isArray(root.required) ? (root.required as string[]) : [];
  const target = required.find((k) => k in props) ?? Object.keys(props)[0];
  if (target) valid[target] = wrongValueFor(props[target], schema);
  else if (required[0]) delete valid[required[0]];
  else return JSON.stringify([]);
  return JSON.stringify(valid);
}

/** Prose where JSON was asked for: what a model does when it ignores the format instruction. */
export function notJsonFor(messages: ChatMessage[]): string {
  return `Sure! Here is what I found: ${new TextFacts(lastUserText(messages)).snippet()}`;
}

export function refusalText(): string {
  return "I'm sorry, but I can't help with that request.";
}

/** Cuts an answer in half, the way max_tokens does; never leaves text that still parses as JSON. */
export function truncate(text: string): string {
  let cut = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  while (cut.length > 0 && parses(cut)) cut = cut.slice(0, -1);
  return cut;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
