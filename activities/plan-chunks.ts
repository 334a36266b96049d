import type { PreparedRequest } from '../src/types';
import type { JobContext } from './job-context';

/** Splits items, in order, into chunks within the provider's request-count and byte limits; items come one at a time. */
export class ChunkPlanner {
  readonly sizes: number[] = [];
  private count = 0;
  private bytes = 0;

  constructor(private readonly ctx: JobContext) {}

  add(item: PreparedRequest): void {
    const { maxRequests, maxBytes } = this.ctx.adapter.limits;
    const size = this.ctx.adapter.requestSize(item, this.ctx.shape);
    if (this.count > 0 && (this.count + 1 > maxRequests || this.bytes + size > maxBytes)) {
      this.sizes.push(this.count);
      this.count = 0;
      this.bytes = 0;
    }
    this.count += 1;
    this.bytes += size;
  }

  finish(): number[] {
    if (this.count > 0) this.sizes.push(this.count);
    this.count = 0;
    return this.sizes;
  }
}

export function planChunks(items: Iterable<PreparedRequest>, ctx: JobContext): number[] {
  const planner = new ChunkPlanner(ctx);
  for (const item of items) planner.add(item);
  return planner.finish();
}
