/**
 * The CLI's exit statuses, in one place, so a script can branch on them. Every command ends
 * through `CliError` (or returns normally for 0); nothing else calls process.exit with a number.
 */
export const EXIT = {
  /** Done: the job completed or was cancelled, or the command did what it said. */
  OK: 0,
  /** The job failed (its reason is printed), or an unexpected error. */
  FAILED: 1,
  /** Bad flags or invalid input: nothing was started or changed. */
  USAGE: 2,
  /** Temporal cannot be reached (also `server status` when no server runs). */
  UNREACHABLE: 3,
  /** No such job, or its results are not in this job store. */
  NOT_FOUND: 4,
  /** `cancel` of a job that has already ended: nothing to cancel. */
  ALREADY_ENDED: 5,
  /** Interrupted (Ctrl-C). `watch` and `start --watch` leave the job running. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table for the README and `--help`: the same source as the codes themselves. */
export const EXIT_CODE_TABLE: Array<[ExitCode, string]> = [
  [EXIT.OK, 'ok: the job completed or was cancelled, or the command succeeded'],
  [EXIT.FAILED, 'the job failed (its reason is printed), or an unexpected error'],
  [EXIT.USAGE, 'bad flags or invalid input, every problem listed; nothing started'],
  [EXIT.UNREACHABLE, 'cannot reach Temporal (`server status`: no dev server answers)'],
  [EXIT.NOT_FOUND, 'no such job, or its results are not in this job store'],
  [EXIT.ALREADY_ENDED, '`cancel`: the job had already ended; nothing to cancel'],
  [EXIT.INTERRUPTED, 'interrupted by Ctrl-C (`watch`: the job keeps running)'],
];

/** An error the CLI reports as `durabatch: <message>` and exits with `code`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    readonly code: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

export function exitCodeMarkdown(): string {
  return ['| exit | meaning |', '|---|---|', ...EXIT_CODE_TABLE.map(([code, meaning]) => `| ${code} | ${meaning} |`)].join('\n');
}
