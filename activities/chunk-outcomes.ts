import type { ChunkResultSummary } from '../src/job';
import type { StoredOutcome } from '../src/store';
import { ITEM_ERROR_TYPES, type ItemErrorType } from '../src/types';

const UNSEEN = 0;
const OK = 1;
/** Codes above this are failures: FAILED + index of the error type, doubled, + 1 if retryable. */
const FAILED = 2;

/**
 * What one chunk's items ended as, by position, in a few typed arrays: enough to decide which
 * answer stands for an item (a success beats a failure) and to sum the chunk up, without keeping
 * any outcome in memory.
 */
export class ChunkOutcomes {
  private readonly codes: Uint8Array;
  private readonly inputTokens: Float64Array;
  private readonly outputTokens: Float64Array;

  constructor(readonly size: number) {
    this.codes = new Uint8Array(size);
    this.inputTokens = new Float64Array(size);
    this.outputTokens = new Float64Array(size);
  }

  seen(pos: number): boolean {
    return this.codes[pos] !== UNSEEN;
  }

  succeeded(pos: number): boolean {
    return this.codes[pos] === OK;
  }

  record(pos: number, o: StoredOutcome): void {
    this.codes[pos] = o.ok ? OK : FAILED + ITEM_ERROR_TYPES.indexOf(o.error!.type) * 2 + (o.retryable ? 1 : 0);
    this.inputTokens[pos] = o.usage?.inputTokens ?? 0;
    this.outputTokens[pos] = o.usage?.outputTokens ?? 0;
  }

  summary(): ChunkResultSummary {
    const summary: ChunkResultSummary = {
      succeeded: 0,
      failed: 0,
      retryable: 0,
      usage: { inputTokens: 0, outputTokens: 0 },
      finalErrors: {},
      retryableErrors: {},
    };
    for (let pos = 0; pos < this.size; pos++) {
      summary.usage.inputTokens += this.inputTokens[pos]!;
      summary.usage.outputTokens += this.outputTokens[pos]!;
      const code = this.codes[pos]!;
      if (code === OK) {
        summary.succeeded += 1;
        continue;
      }
      if (code === UNSEEN) continue;
      const retryable = (code - FAILED) % 2 === 1;
      const type: ItemErrorType = ITEM_ERROR_TYPES[Math.floor((code - FAILED) / 2)]!;
      summary.failed += 1;
      if (retryable) summary.retryable += 1;
      const byType = retryable ? summary.retryableErrors : summary.finalErrors;
      byType[type] = (byType[type] ?? 0) + 1;
    }
    return summary;
  }
}
