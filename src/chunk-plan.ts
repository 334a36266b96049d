import type { ProviderLimits } from './providers/types';

/**
 * An attempt's chunk sizes as runs of equal sizes, `[items per chunk, chunks in a row]`: a
 * 1,000,000-request OpenAI job is `[[50000, 20]]`. Compact enough to ride in the request reference
 * that every activity input carries, whatever the job's size.
 */
export type ChunkRuns = Array<[items: number, chunks: number]>;

/** Splits items, in order, into chunks within the provider's request-count and byte limits; items come one at a time, as sizes. */
export class ChunkPlanner {
  private readonly sizes: number[] = [];
  private count = 0;
  private bytes = 0;

  constructor(private readonly limits: ProviderLimits) {}

  /** The next item, by its size in the provider's dialect (bytes of its request line). */
  add(size: number): void {
    const { maxRequests, maxBytes } = this.limits;
    if (this.count > 0 && (this.count + 1 > maxRequests || this.bytes + size > maxBytes)) {
      this.sizes.push(this.count);
      this.count = 0;
      this.bytes = 0;
    }
    this.count += 1;
    this.bytes += size;
  }

  /** The chunk sizes, in order (none for no items). */
  finish(): number[] {
    if (this.count > 0) this.sizes.push(this.count);
    this.count = 0;
    return this.sizes;
  }
}

export function toRuns(sizes: readonly number[]): ChunkRuns {
  const runs: ChunkRuns = [];
  for (const size of sizes) {
    const last = runs.at(-1);
    if (last && last[0] === size) last[1] += 1;
    else runs.push([size, 1]);
  }
  return runs;
}

/**
 * The chunk sizes a plan made elsewhere (the client, while the requests streamed in) stands for,
 * if it can stand for `count` items under these limits; otherwise undefined, and the attempt is
 * planned from the store. Byte limits cannot be checked without the requests: the planner that
 * made the plan sized each one exactly as the worker would.
 */
export function sizesOfPlan(runs: unknown, count: number, limits: ProviderLimits): number[] | undefined {
  if (!Array.isArray(runs)) return undefined;
  const sizes: number[] = [];
  let total = 0;
  for (const run of runs as unknown[]) {
    if (!Array.isArray(run) || run.length !== 2) return undefined;
    const [items, chunks] = run as unknown[];
    if (!isCount(items) || !isCount(chunks) || items > limits.maxRequests) return undefined;
    total += items * chunks;
    if (total > count) return undefined;
    for (let i = 0; i < chunks; i++) sizes.push(items);
  }
  return total === count ? sizes : undefined;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}
