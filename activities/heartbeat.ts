import { Context } from '@temporalio/activity';

/**
 * Heartbeats that carry progress and stop when it stops: a streaming step (a results download)
 * beats as lines arrive, with its counts as details, so a stalled stream fails by heartbeat timeout
 * and is retried instead of "heartbeating" until its start-to-close timeout.
 */
export class Progress {
  private readonly ctx = Context.current();
  private readonly timeoutMs = this.ctx.info.heartbeatTimeoutMs ?? 60_000;
  private readonly everyMs = Math.max(100, Math.floor(this.timeoutMs / 3));
  private last = 0;
  /** When progress last came: the watchdog measures the stall from here. */
  private progressAt = Date.now();
  private readonly stalled = new AbortController();
  private watchdog?: NodeJS.Timeout;
  private stopped = false;
  readonly counts: Record<string, number> = {};

  /**
   * Aborts when the activity is cancelled, or when no progress came for a heartbeat timeout: by then
   * Temporal has given up on this try, and a stream left hanging would keep this process busy forever.
   */
  readonly signal: AbortSignal = AbortSignal.any([this.ctx.cancellationSignal, this.stalled.signal]);

  constructor() {
    this.watch(this.timeoutMs);
  }

  /**
   * Called per line, so it only counts and reads the clock: re-arming a timer per line (a Timeout
   * object and an async-hook init each) cost more than the line itself. The one watchdog timer
   * checks `progressAt` when it fires instead.
   */
  advance(unit: string, n = 1): void {
    this.counts[unit] = (this.counts[unit] ?? 0) + n;
    const now = Date.now();
    this.progressAt = now;
    if (now - this.last >= this.everyMs) {
      this.last = now;
      this.ctx.heartbeat({ ...this.counts });
    }
  }

  /** Stops the watchdog (the streaming part is over). */
  done(): void {
    this.stopped = true;
    clearTimeout(this.watchdog);
  }

  /** Fires `timeoutMs` after the last progress: aborts if none came since, else waits out the rest. */
  private watch(delayMs: number): void {
    this.watchdog = setTimeout(() => {
      if (this.stopped) return;
      const quietMs = Date.now() - this.progressAt;
      if (quietMs >= this.timeoutMs) this.stalled.abort(new Error(`no progress for ${this.timeoutMs} ms`));
      else this.watch(this.timeoutMs - quietMs);
    }, delayMs);
    this.watchdog.unref();
  }
}

/**
 * Heartbeats on a timer while `work` runs: for single calls that report no progress of their own (an
 * upload, a create, a store query), each bounded by its own timeout, so a killed worker is noticed after the heartbeat timeout
 * instead of the (long) start-to-close timeout, and the activity is retried elsewhere.
 */
export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const everyMs = Math.max(100, Math.floor((ctx.info.heartbeatTimeoutMs ?? 60_000) / 3));
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
