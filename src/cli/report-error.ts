/**
 * How any error leaves the CLI: one exit status from exit-codes.ts and a message that fits the
 * terminal. Library errors are mapped here, so commands can let them through.
 */
import { CommanderError } from 'commander';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { invalidStartMessage } from './flag-problems';
import { terminalWidth, wrapWords } from './width';

export async function toCliError(err: unknown, address: string): Promise<CliError> {
  if (err instanceof CliError) return err;
  if (err instanceof CommanderError) {
    // Commander has printed its own message (and the help) already; --help and --version are not errors.
    return new CliError(err.exitCode === 0 ? EXIT.OK : EXIT.USAGE, '');
  }
  // Only an error that is not the CLI's own needs the library's classes to be told apart.
  const { WorkflowNotFoundError } = require('@temporalio/client') as typeof import('@temporalio/client');
  const { JobFailedError, JobIdInUseError, StoreMismatchError } = require('../client') as typeof import('../client');
  const { InvalidJobError } = require('../validate-job') as typeof import('../validate-job');
  const { isUnavailable, unreachable } = require('./connect') as typeof import('./connect');
  if (err instanceof JobFailedError) return new CliError(EXIT.FAILED, err.message);
  if (err instanceof InvalidJobError) return new CliError(EXIT.USAGE, invalidStartMessage(err.problems));
  if (err instanceof JobIdInUseError) return new CliError(EXIT.USAGE, err.message);
  if (err instanceof StoreMismatchError) return new CliError(EXIT.NOT_FOUND, err.message);
  if (err instanceof WorkflowNotFoundError) return new CliError(EXIT.NOT_FOUND, `no job ${err.workflowId}`);
  if (isUnavailable(err)) return unreachable(address, 'the connection was lost');
  return new CliError(EXIT.FAILED, err instanceof Error ? err.message : String(err));
}

/**
 * Wrapped for a person at a terminal (or when $COLUMNS asks for it); in a log or a pipe a message
 * stays on its lines, so it can be grepped whole.
 */
function errorWidth(): number {
  return process.stderr.isTTY || process.env.COLUMNS ? terminalWidth(process.stderr) : Infinity;
}

/** `durabatch: message`, word-wrapped to `width`; list items keep their indent. */
export function errorLines(message: string, width = errorWidth()): string[] {
  return `durabatch: ${message}`.split('\n').flatMap((line) => {
    const lead = /^\s*(- )?/.exec(line)![0];
    const indent = ' '.repeat(Math.max(2, lead.length));
    const [first = '', ...rest] = wrapWords(line.slice(lead.length), width - lead.length);
    // Continuation lines are re-wrapped to the narrower width their indent leaves.
    const more = rest.length ? wrapWords(rest.join(' '), width - indent.length) : [];
    return [lead + first, ...more.map((l) => indent + l)];
  });
}

export async function exitWith(err: unknown, address: string): Promise<never> {
  const { code, message } = await toCliError(err, address).catch(() => new CliError(EXIT.FAILED, String(err)));
  if (message) process.stderr.write(errorLines(message).join('\n') + '\n');
  process.exit(code as ExitCode);
}
