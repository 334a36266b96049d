/**
 * In-process memory of batch submissions, by tag. Temporal retries an activity when it times out,
 * but the timed-out try keeps running: its create call can still be in flight, invisible to any
 * list call, while the retry looks for it. Without this, the retry creates a second (billed) batch.
 *
 * - A submission already running for a tag: later calls wait for it and adopt its batch.
 * - A submission that finished in this process: later calls adopt its batch without asking the provider.
 * Across processes (a crashed worker) the adapters' provider-side search takes over.
 */
import type { SubmitResult } from './types';

/** Enough for every chunk a busy worker submits in a day; the oldest entries go first. */
const MAX_REMEMBERED = 10_000;

export class SubmitMemory {
  private readonly running = new Map<string, Promise<SubmitResult>>();
  private readonly done = new Map<string, string>();
  private readonly owners = new Map<string, string>();

  /**
   * Runs `submit` once per tag at a time; a concurrent or later call for the same tag adopts its
   * batch. A call that waits for another's submission stops waiting when its own `signal` aborts
   * (its activity was cancelled), with the signal's reason; the submission it waited for goes on.
   */
  async run(tag: string, submit: () => Promise<SubmitResult>, signal?: AbortSignal): Promise<SubmitResult> {
    const known = this.done.get(tag);
    if (known) return { batchId: known, reused: true };
    const pending = this.running.get(tag);
    if (pending) return { batchId: (await untilAborted(pending, signal)).batchId, reused: true };
    const attempt = submit();
    this.running.set(tag, attempt);
    try {
      const result = await attempt;
      this.remember(tag, result.batchId);
      return result;
    } finally {
      this.running.delete(tag);
    }
  }

  /** True when this process knows the batch belongs to a different tag (so it is nobody's orphan). */
  ownedByOther(batchId: string, tag: string): boolean {
    const owner = this.owners.get(batchId);
    return owner !== undefined && owner !== tag;
  }

  /** A batch that turned out not to be its tag's (see AnthropicBatchMismatchError): submit afresh next time. */
  forget(batchId: string): void {
    const tag = this.owners.get(batchId);
    if (tag !== undefined && this.done.get(tag) === batchId) this.done.delete(tag);
    this.owners.delete(batchId);
  }

  private remember(tag: string, batchId: string): void {
    this.done.set(tag, batchId);
    this.owners.set(batchId, tag);
    if (this.done.size > MAX_REMEMBERED) {
      const [oldestTag, oldestId] = this.done.entries().next().value as [string, string];
      this.done.delete(oldestTag);
      this.owners.delete(oldestId);
    }
  }
}

/** `work`, or the signal's reason as soon as it aborts (work itself is left to finish). */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
