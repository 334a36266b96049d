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
      batches: s.chunks.map((c) => `${c.batchId ?? '…'} (${c.providerStatus ?? c.state})`).slice(-2).join(', ') || 'no provider batch yet',
    };
    const done = s.counts.succeeded + s.counts.failed;
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
