/**
 * Numeric keywords for the responder: which numbers a schema accepts, and a plain one that it does
 * when the message offers none. Exclusive bounds step away by a whole unit (scaled up for large
 * bounds): a step of Number.EPSILON is lost to rounding as soon as the bound is 2 or more.
 */
type Schema = Record<string, unknown>;

export interface NumberRule {
  integer: boolean;
  min: number;
  minExclusive: boolean;
  max: number;
  maxExclusive: boolean;
  /** every divisor the value must be a multiple of (allOf parts can add more than one) */
  divisors: number[];
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Reads both the 2020-12 form (`exclusiveMinimum: 5`) and the draft-4/OpenAPI form (`minimum: 5, exclusiveMinimum: true`). */
export function numberRule(schema: Schema, integer: boolean, divisors: number[]): NumberRule {
  let min = num(schema.minimum) ?? -Infinity;
  let minExclusive = schema.exclusiveMinimum === true && Number.isFinite(min);
  const exclMin = num(schema.exclusiveMinimum);
  if (exclMin !== undefined && exclMin >= min) [min, minExclusive] = [exclMin, true];
  let max = num(schema.maximum) ?? Infinity;
  let maxExclusive = schema.exclusiveMaximum === true && Number.isFinite(max);
  const exclMax = num(schema.exclusiveMaximum);
  if (exclMax !== undefined && exclMax <= max) [max, maxExclusive] = [exclMax, true];
  if (integer) {
    // Integers have exact neighbours: turn every bound into an inclusive whole number.
    min = minExclusive ? Math.floor(min) + 1 : Math.ceil(min);
    max = maxExclusive ? Math.ceil(max) - 1 : Math.floor(max);
    minExclusive = maxExclusive = false;
  }
  return { integer, min, minExclusive, max, maxExclusive, divisors: divisors.filter((d) => d > 0 && Number.isFinite(d)) };
}

/** Same tolerance idea as common validators: the quotient only has to be a whole number up to float noise. */
function isMultiple(n: number, divisor: number): boolean {
  const q = n / divisor;
  return Math.abs(q - Math.round(q)) <= 4 * Number.EPSILON * Math.max(Math.abs(q), 1);
}

export function fits(rule: NumberRule, n: number): boolean {
  if (!Number.isFinite(n) || (rule.integer && !Number.isInteger(n))) return false;
  if (rule.minExclusive ? n <= rule.min : n < rule.min) return false;
  if (rule.maxExclusive ? n >= rule.max : n > rule.max) return false;
  return rule.divisors.every((d) => isMultiple(n, d));
}

/** Big enough to survive rounding next to `bound`, small enough to stay near it. */
const stepFrom = (bound: number) => Math.max(1, Math.abs(bound) * 1e-6);

/** Multiples print as decimals people would write: 3 × 0.1 is 0.3, not 0.30000000000000004. */
const tidy = (n: number) => Number(n.toPrecision(15));

/** A number in range: 0 when allowed, else the bound nearest to 0 (stepped inside if exclusive). */
function inRange(rule: NumberRule): number {
  const bounds = { ...rule, divisors: [] };
  if (fits(bounds, 0)) return 0;
  const { min, max } = rule;
  if (min >= 0) {
    if (!rule.minExclusive) return min;
    const stepped = min + stepFrom(min);
    return fits(bounds, stepped) ? stepped : (min + max) / 2;
  }
  if (!rule.maxExclusive) return max;
  const stepped = max - stepFrom(max);
  return fits(bounds, stepped) ? stepped : (min + max) / 2;
}

/**
 * A fallback that satisfies the rule: the in-range value, moved to the next multiple of the
 * (first) divisor, away from 0 and so into the range. Scans a few multiples so an integer schema with a
 * fractional divisor, or several divisors, still lands on a common multiple when one is near.
 */
export function fallbackNumber(rule: NumberRule): number {
  const base = inRange(rule);
  const divisor = rule.divisors[0];
  if (divisor === undefined || fits(rule, base)) return base;
  // `base` sits at the bound nearest 0, so moving away from 0 moves into the range.
  const up = base >= 0;
  let k = up ? Math.ceil(base / divisor) : Math.floor(base / divisor);
  for (let tries = 0; tries < 1000; tries++, k += up ? 1 : -1) {
    const candidate = tidy(k * divisor);
    if (fits(rule, candidate)) return candidate;
  }
  return base; // no multiple nearby (an empty or hair-thin range): in range beats nothing
}
