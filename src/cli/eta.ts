/**
 * Time left for a job, from how fast items have finished since watching began. A provider reports
 * progress in bursts, so the rate is taken over the whole watch rather than the last few updates
 * (cli-progress's own ETA, over its last 10 updates, swings between 0 and infinity).
 */
export class EtaEstimator {
  private first?: { at: number; done: number };

  /** Seconds left, or undefined while nothing has moved since the first observation. */
  update(done: number, total: number, now = Date.now()): number | undefined {
    if (!this.first) {
      this.first = { at: now, done };
      return undefined;
    }
    if (done >= total) return 0;
    const moved = done - this.first.done;
    const elapsed = now - this.first.at;
    if (moved <= 0 || elapsed <= 0) return undefined;
    return Math.ceil(((total - done) * elapsed) / moved / 1000);
  }
}

/** 42s, 3m05s, 2h10m, 3d4h: at most 6 characters. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}

/** 950, 12.3k, 4.5M: token counts in a few columns. */
export function compactNumber(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M`;
}
