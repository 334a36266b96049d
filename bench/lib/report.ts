/**
 * What every benchmark prints and how it measures. Figures go to stdout as one JSON line each
 * (`{"name","value","unit"}`), so `npm run bench | jq` or a CI diff can read them; everything meant
 * for people goes to stderr, so it never mixes with the figures.
 */
import { readFileSync } from 'node:fs';

export function figure(name: string, value: number, unit: string): void {
  process.stdout.write(`${JSON.stringify({ name, value: round(value), unit })}\n`);
}

/** Commentary for people: stderr only. */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Three significant digits at least, never more decimals than help: figures are compared, not summed. */
function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  const decimals = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return Number(value.toFixed(decimals));
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const MB = 1e6;
export const MIB = 2 ** 20;

/**
 * The kernel's high-water mark of this process's resident set (VmHWM): the true peak, which a
 * sampler can miss when the event loop is busy for longer than its interval.
 */
export function vmHwmMb(pid: number | 'self' = 'self'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : (Number(kb) * 1024) / MIB;
  } catch {
    return undefined;
  }
}

/**
 * Samples `process.memoryUsage().rss` on a timer. VmHWM only ever grows, so a phase's own peak
 * (after an earlier, bigger phase in the same process) needs sampling.
 */
export class RssSampler {
  private max = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    this.max = Math.max(this.max, process.memoryUsage().rss);
  }

  /** The largest sample, in MiB; stops sampling. */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    return this.max / MIB;
  }
}

/** The benchmark's `--name value` options (after the benchmark's name, which the runner strips). */
export function option(name: string, fallback: number): number {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} needs a positive number, got ${args[at + 1]}`);
  return value;
}
