import { SingleBar } from 'cli-progress';
import type { JobStatus } from '../job';

/** A live one-line status for a job: phase, items done, attempt, provider batch IDs. */
export class StatusLine {
  private readonly bar = new SingleBar({
    format: '  {phase} |{bar}| {value}/{total} done · {failed} failed · attempt {attempt} · {batches}',
    barsize: 24,
    hideCursor: true,
    clearOnComplete: false,
    // Off a terminal (CI, pipes) print plain lines instead of redrawing one.
    noTTYOutput: true,
    notTTYSchedule: 2000,
  });
  private started = false;

  update(s: JobStatus): void {
    const payload = {
      phase: s.phase.padEnd(10),
      failed: s.counts.failed,
      attempt: `${s.attempt}/${s.maxAttempts}`,
      batches: detail(s),
    };
    const done = progress(s);
    if (!this.started) {
      this.bar.start(s.counts.total, done, payload);
      this.started = true;
    } else {
      this.bar.update(done, payload);
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

/**
 * Items done: those with a final outcome, plus what the provider reports as processed in batches
 * not yet fetched (its own counter), so the bar moves while a batch runs.
 */
function progress(s: JobStatus): number {
  const running = s.chunks.filter((c) => !c.fetched).reduce((n, c) => n + (c.providerCounts ? c.providerCounts.succeeded + c.providerCounts.failed : 0), 0);
  return Math.min(s.counts.total, s.counts.succeeded + s.counts.failed + running);
}

/** The end of the line: why the job waits if it does, else its latest provider batches. */
function detail(s: JobStatus): string {
  if (s.note) return s.note;
  const trouble = s.troubles?.[0];
  if (trouble) return `retrying ${trouble.activity} (try ${trouble.attempt}): ${trouble.lastFailure}`;
  return s.chunks.map((c) => `${c.batchId ?? '…'} (${c.providerStatus ?? c.state})`).slice(-2).join(', ') || 'no provider batch yet';
}

/** Polls a job's status into a StatusLine until `done` settles. */
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
