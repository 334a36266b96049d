/**
 * `durabatch watch JOB` and `start --watch`: the live status line until the job ends. Ctrl-C
 * stops the watching, not the job: the terminal is put back (cursor shown), the job's fate and
 * the exact cancel command are printed, and the exit status is 130.
 */
import type { BatchJobHandle } from '../client';
import type { JobSummary } from '../job';
import { CliError, EXIT } from './exit-codes';
import { StatusLine } from './status-line';
import { terminalWidth, wrapWords } from './width';

export interface WatchOptions {
  everyMs?: number;
  stream?: NodeJS.WriteStream;
}

/** Resolves with the job's summary when it ends; rejects with JobFailedError when it fails, with CliError(130) on Ctrl-C. */
export async function watchJob(job: BatchJobHandle<unknown>, opts: WatchOptions = {}): Promise<JobSummary> {
  const stream = opts.stream ?? process.stderr;
  const everyMs = opts.everyMs ?? 500;
  const line = new StatusLine(stream);
  const result = job.result();
  // Settled either way: observed here so a failure is never an unhandled rejection while polling.
  const ended = result.then(
    () => 'ended' as const,
    () => 'ended' as const,
  );
  let onSigint!: () => void;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onSigint = () => resolve('interrupted');
    process.once('SIGINT', onSigint);
  });
  const sleep = () => new Promise<'tick'>((r) => setTimeout(() => r('tick'), everyMs).unref());
  // A status asked for just as the job fails may throw: the failure, not that, is the news.
  const statusOrEnd = () => job.status().catch((err: unknown) => Promise.race([ended, sleep().then(() => Promise.reject(err))]));
  try {
    for (;;) {
      const status = await Promise.race([statusOrEnd(), interrupted]);
      if (status === 'interrupted') break;
      if (status !== 'ended') line.update(status);
      const next = status === 'ended' ? status : await Promise.race([ended, interrupted, sleep()]);
      if (next === 'interrupted') break;
      if (next === 'ended') {
        // A completed job's final status is its result; a failed one has none worth drawing.
        const summary = await result.catch(() => undefined);
        if (summary) line.update(summary);
        line.stop();
        return await result;
      }
    }
  } finally {
    line.stop();
    process.removeListener('SIGINT', onSigint);
  }
  const width = terminalWidth(stream);
  const lines = [
    ...wrapWords(`stopped watching; job ${job.jobId} keeps running. To cancel it:`, width),
    `  durabatch cancel ${job.jobId}`,
    ...wrapWords(`To watch it again: durabatch watch ${job.jobId}`, width),
  ];
  stream.write(lines.join('\n') + '\n');
  throw new CliError(EXIT.INTERRUPTED, '');
}
