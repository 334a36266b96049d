import { SingleBar } from 'cli-progress';
import type { JobStatus } from '../job';
import { compactNumber, EtaEstimator, formatDuration } from './eta';
import { terminalWidth, truncateWords, wrapWords } from './width';

const ENDED = new Set(['completed', 'cancelled', 'failed']);

/**
 * Items done: those with a final outcome, plus what the provider reports as processed in batches
 * not yet fetched (its own counter), so the bar moves while a batch runs.
 */
export function progress(s: JobStatus): number {
  const running = s.chunks
    .filter((c) => !c.fetched)
    .reduce((n, c) => n + (c.providerCounts ? c.providerCounts.succeeded + c.providerCounts.failed : 0), 0);
  return Math.min(s.counts.total, s.counts.succeeded + s.counts.failed + running);
}

/**
 * The line's last field, longest form first: the first that fits is shown. A note or a retrying
 * step is printed in full above the bar (see `notice`), so the line only has to point at it.
 */
function detailForms(s: JobStatus): string[] {
  if (s.note) return ['waiting: see the note above', 'waiting'];
  const trouble = s.troubles?.[0];
  if (trouble) return [`retrying ${trouble.activity} (try ${trouble.attempt})`, `retrying (try ${trouble.attempt})`];
  const open = s.chunks.filter((c) => !c.fetched);
  const shown = open.length ? open : s.chunks.slice(-1);
  if (!shown.length) return ENDED.has(s.phase) ? [] : ['no provider batch yet'];
  const ids = shown
    .slice(-2)
    .map((c) => `${c.batchId ?? '…'} (${c.providerStatus ?? c.state})`)
    .join(', ');
  const states = [...new Set(shown.map((c) => c.state))].join(', ');
  const plural = shown.length === 1 ? 'batch' : `${shown.length} batches`;
  return [ids, `${plural} ${states}`, states];
}

/** The full text worth a line of its own above the bar: why the job waits, or which step retries and why. */
export function notice(s: JobStatus): string | undefined {
  if (s.note) return `note: ${s.note}`;
  const t = s.troubles?.[0];
  if (t) return `${t.activity} failed (try ${t.attempt}), retrying${t.nextRetryAt ? ` at ${t.nextRetryAt}` : ''}: ${t.lastFailure}`;
  return undefined;
}

/**
 * One status line in at most `width` columns: phase, bar, done/total, then as many of failed,
 * ETA, attempt, token usage and the provider batches as fit whole, in that order of importance.
 * Nothing is cut mid-word: a field either fits, shrinks to a shorter form, or is left out.
 */
export function formatStatusLine(s: JobStatus, width: number, etaSeconds?: number): string {
  const done = progress(s);
  const counts = `${done.toLocaleString('en-US')}/${s.counts.total.toLocaleString('en-US')}`;
  const phase = s.phase.padEnd(10);
  const barSize = Math.max(8, Math.min(24, width - 64));
  const filled = s.counts.total ? Math.round((done / s.counts.total) * barSize) : ENDED.has(s.phase) ? barSize : 0;
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(barSize - filled)}]`;

  let line = `${phase} ${bar} ${counts}`;
  // Very narrow: the bar is the first thing to go, then the phase's padding.
  if (line.length > width) line = `${s.phase} ${counts}`;
  if (line.length > width) return truncateWords(line, width) || line.slice(0, width);

  const running = !ENDED.has(s.phase);
  // Why the job waits matters more than its usage; which batches it runs, less.
  const waiting = Boolean(s.note || s.troubles?.length);
  const optional: string[][] = [
    s.counts.failed ? [`${s.counts.failed.toLocaleString('en-US')} failed`] : [],
    waiting ? detailForms(s) : [],
    running && etaSeconds !== undefined && done < s.counts.total ? [`ETA ${formatDuration(etaSeconds)}`] : [],
    s.maxAttempts > 1 && s.attempt > 0 ? [`attempt ${s.attempt}/${s.maxAttempts}`, `a${s.attempt}/${s.maxAttempts}`] : [],
    s.usage.inputTokens + s.usage.outputTokens > 0
      ? [
          `${compactNumber(s.usage.inputTokens)} in/${compactNumber(s.usage.outputTokens)} out tok`,
          `${compactNumber(s.usage.inputTokens + s.usage.outputTokens)} tok`,
        ]
      : [],
    s.cancelRequested && running ? ['cancel requested', 'cancelling'] : [],
  ];
  for (const forms of optional) {
    const fit = forms.find((f) => line.length + 2 + f.length <= width);
    if (fit) line += `  ${fit}`;
  }
  if (waiting) return line;
  const forms = detailForms(s);
  const room = width - line.length - 2;
  const detail = forms.find((f) => f.length <= room) ?? truncateWords(forms[forms.length - 1] ?? '', room);
  return detail ? `${line}  ${detail}` : line;
}

type Stream = NodeJS.WriteStream;

/**
 * A live status line for a job on stderr (stdout stays for data): redrawn in place on a
 * terminal, a plain line every 2 s otherwise (CI, pipes). Notes and retrying steps are printed
 * once, in full, above it.
 */
export class StatusLine {
  private readonly bar: SingleBar;
  private readonly eta = new EtaEstimator();
  private status?: JobStatus;
  private etaSeconds?: number;
  private lastNotice?: string;
  private started = false;

  constructor(private readonly stream: Stream = process.stderr) {
    this.bar = new SingleBar({
      format: () => (this.status ? formatStatusLine(this.status, terminalWidth(this.stream), this.etaSeconds) : ''),
      stream,
      hideCursor: true,
      // On a terminal the last line stays; off one it was printed already (cli-progress would add a blank line).
      clearOnComplete: !stream.isTTY,
      // Off a terminal (CI, pipes) print plain lines instead of redrawing one.
      noTTYOutput: true,
      notTTYSchedule: 2000,
      // A notice printed above erases the line: it must be drawn again even if unchanged.
      forceRedraw: true,
      // Ctrl-C is the watcher's to handle (it says the job keeps running).
      gracefulExit: false,
    });
    // cli-progress saves the cursor at start and jumps back to it at stop: with notices printed
    // above the bar in between, that jump would land on them (and the next output overwrite them).
    const terminal = (this.bar as unknown as { terminal: { cursorSave(): void; cursorRestore(): void } }).terminal;
    terminal.cursorSave = terminal.cursorRestore = () => undefined;
  }

  update(s: JobStatus): void {
    this.status = s;
    const done = progress(s);
    this.etaSeconds = this.eta.update(done, s.counts.total);
    this.printNotice(notice(s));
    if (!this.started) {
      this.bar.start(s.counts.total, done);
      this.started = true;
    } else {
      this.bar.update(done);
    }
  }

  /** Draws the last line once more, ends it, and gives the cursor back. Safe to call twice. */
  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
    if (this.stream.isTTY) this.stream.write('\x1b[?25h');
  }

  private printNotice(text: string | undefined): void {
    if (!text || text === this.lastNotice) return;
    this.lastNotice = text;
    const lines = wrapWords(text, terminalWidth(this.stream), '  ').join('\n');
    this.stream.write(this.stream.isTTY ? `\r\x1b[2K${lines}\n` : `${lines}\n`);
  }
}

/** Polls a job's status into a StatusLine until `done` settles (the demo's watcher). */
export async function watch(status: () => Promise<JobStatus>, done: Promise<unknown>, everyMs = 250): Promise<void> {
  const line = new StatusLine();
  let finished = false;
  done.then(
    () => (finished = true),
    () => (finished = true),
  );
  try {
    while (!finished) {
      line.update(await status());
      await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, everyMs))]);
    }
    line.update(await status());
  } finally {
    line.stop();
  }
}
