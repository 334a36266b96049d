import type { PreparedRequest } from '../src/types';
import type { JobContext } from './job-context';

/** Splits items, in order, into chunks within the provider's request-count and byte limits. */
export function planChunks(items: PreparedRequest[], ctx: JobContext): number[] {
  const { maxRequests, maxBytes } = ctx.adapter.limits;
  const sizes: number[] = [];
  let count = 0;
  let bytes = 0;
  for (const item of items) {
    const size = ctx.adapter.requestSize(item, ctx.shape);
    if (count > 0 && (count + 1 > maxRequests || bytes + size > maxBytes)) {
      sizes.push(count);
      count = 0;
      bytes = 0;
    }
    count += 1;
    bytes += size;
  }
  if (count > 0) sizes.push(count);
  return sizes;
}
