/**
 * The API reports bad input in the API's words (`timing.pollMaxMs must be at least
 * timing.pollInitialMs`); a person at the CLI typed flags. This layer rewrites each problem in
 * flag terms, with the values given (or defaulted), and names the requests file's lines — the
 * API messages stay as they are for library users.
 */
import { DEFAULT_TIMING } from '../job';
import { requestsLabel, type RequestLines } from './read-requests';

/** What the person typed for `start` (numbers already parsed, when they parse). */
export interface StartFlagValues {
  requests: string;
  model?: string;
  jobId?: string;
  maxAttempts?: number;
  maxTokens?: number;
  temperature?: number;
  poll?: number;
  pollMax?: number;
}

interface FlagField {
  /** How the API's messages name the field (a regular expression source). */
  api: string;
  flag: string;
  value: (f: StartFlagValues) => number | string | undefined;
  /** The value the job gets when the flag is left out, if there is one. */
  fallback?: number;
  unit?: string;
}

const FIELDS: FlagField[] = [
  { api: 'timing\\.pollInitialMs', flag: '--poll', value: (f) => f.poll, fallback: DEFAULT_TIMING.pollInitialMs, unit: 'ms' },
  { api: 'timing\\.pollMaxMs', flag: '--poll-max', value: (f) => f.pollMax, fallback: DEFAULT_TIMING.pollMaxMs, unit: 'ms' },
  { api: 'maxAttempts', flag: '--max-attempts', value: (f) => f.maxAttempts, fallback: 3 },
  { api: 'maxTokens', flag: '--max-tokens', value: (f) => f.maxTokens },
  { api: '^temperature', flag: '--temperature', value: (f) => f.temperature },
  { api: '^model', flag: '--model', value: (f) => f.model },
];

/** `--poll-max (1000 ms)`, `--poll (30000 ms, the default)`, or the bare flag when there is no value to show. */
function flagWithValue(field: FlagField, flags: StartFlagValues): string {
  const given = field.value(flags);
  const value = given ?? field.fallback;
  if (value === undefined || value === '') return field.flag;
  const shown = `${value}${field.unit ? ` ${field.unit}` : ''}`;
  return `${field.flag} (${given === undefined ? `${shown}, the default` : shown})`;
}

/** One API problem in flag terms. */
export function inFlagTerms(problem: string, flags: StartFlagValues, lines?: RequestLines): string {
  let text = problem;
  for (const field of FIELDS) {
    let first = true;
    // The first mention carries the value; a second mention of the same flag would only repeat it.
    text = text.replace(new RegExp(`(?<![\\w.-])${field.api}\\b`, 'g'), () => {
      const out = first ? flagWithValue(field, flags) : field.flag;
      first = false;
      return out;
    });
  }
  text = text.replace(/^job ID (".*?") must be/, '--job-id $1 must be');

  const file = requestsLabel(flags.requests);
  const line = (index: string) => (lines ? `line ${lines.lineOf(Number(index))}` : `request ${index}`);
  if (/^requests is empty\b/.test(text)) return `--requests ${file}: has no requests (a job needs at least one)`;
  text = text.replace(/\(also used by request (\d+)\)/, (_, i: string) => `(also on ${line(i)})`);
  const numbered = /^request (\d+)(?: \((".*?")\))?: /.exec(text);
  if (numbered) return `${file} ${line(numbered[1]!)}${numbered[2] ? ` (${numbered[2]})` : ''}: ${text.slice(numbered[0].length)}`;
  if (/^request "/.test(text)) return `${file}: ${text}`;
  return text;
}

/** The message a rejected start prints: every problem, in flag terms. */
export function invalidStartMessage(problems: string[]): string {
  return `invalid job, nothing was started:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
}
