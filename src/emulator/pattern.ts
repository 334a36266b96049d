/**
 * Strings for a JSON Schema `pattern`, for the responder: built from the regex by randexp, with a
 * seeded generator so the same schema gets the same answer on every run (the emulator is
 * deterministic). Every sample is checked against the real regex and the length bounds before it
 * is used; randexp ignores lookarounds, so a pattern that needs one may yield no sample.
 */
import RandExp from 'randexp';

/** Seeds tried before giving up: enough to land inside length bounds that a first draw misses. */
const SEEDS = 64;

export function compilePattern(pattern: string): RegExp | undefined {
  for (const flags of ['u', '']) {
    try {
      return new RegExp(pattern, flags);
    } catch {
      // not valid with these flags; try the next
    }
  }
  return undefined;
}

/** A string that matches `pattern` with its length in [minLength, maxLength], or undefined. */
export function sampleForPattern(pattern: string, minLength = 0, maxLength = Infinity): string | undefined {
  const regex = compilePattern(pattern);
  if (!regex) return undefined;
  const ok = (s: string) => s.length >= minLength && s.length <= maxLength && regex.test(s);
  for (let seed = 1; seed <= SEEDS; seed++) {
    const generator = new RandExp(regex);
    // Open-ended repeats (`*`, `+`, `{n,}`) stop within reach of the length bounds.
    generator.max = Math.max(minLength, Math.min(maxLength, 8));
    const next = seededRandom(seed);
    generator.randInt = (a: number, b: number) => a + Math.floor(next() * (b - a + 1));
    const sample = generator.gen();
    if (ok(sample)) return sample;
  }
  return undefined;
}

/** mulberry32: a tiny, fast PRNG; quality is beside the point, repeatability is the point. */
function seededRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}
