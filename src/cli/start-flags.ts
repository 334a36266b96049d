/**
 * `start`'s flags checked before anything connects: every problem at once, in flag terms. When a
 * flag is wrong the requests are read through the same checker too (nothing is written), so a
 * duplicate ID in the file and `--max-attempts 0` are reported together, not one per try.
 */
import { access } from 'node:fs/promises';
import { z } from 'zod';
import { DEFAULT_TIMING, type JobTiming } from '../job';
import type { SchemaRegistry } from '../schema';
import type { ProviderName } from '../types';
import { JobChecker } from '../validate-job';
import { CliError } from './exit-codes';
import { inFlagTerms, type StartFlagValues } from './flag-problems';
import { readRequests, RequestLines } from './read-requests';

/** `start`'s options as commander hands them over: numbers still as typed. */
export interface RawStartFlags {
  requests: string;
  schema: string;
  provider: ProviderName;
  model: string;
  jobId?: string;
  maxTokens?: string;
  temperature?: string;
  maxAttempts?: string;
  poll?: string;
  pollMax?: string;
  maxCost?: string;
}

export interface StartPlan {
  values: StartFlagValues;
  schema: z.ZodType;
  timing: Partial<JobTiming>;
  /** Flag problems (empty when the job may be started). */
  problems: string[];
  checker: JobChecker;
  /** `--max-cost`: the job is refused (CostLimitError) when its estimate is above it. */
  maxCostUsd?: number;
}

type Parsed = { value?: number; problem?: string };

function wholeNumber(raw: string | undefined, flag: string, unit = ''): Parsed {
  if (raw === undefined) return {};
  const n = Number(raw);
  return raw.trim() !== '' && Number.isInteger(n) ? { value: n } : { problem: `${flag} (${raw}) must be a whole number${unit}` };
}

function decimal(raw: string | undefined, flag: string): Parsed {
  if (raw === undefined) return {};
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? { value: n } : { problem: `${flag} (${raw}) must be a number` };
}

export async function planStart(o: RawStartFlags, schemas: SchemaRegistry): Promise<StartPlan> {
  const maxAttempts = wholeNumber(o.maxAttempts, '--max-attempts');
  const maxTokens = wholeNumber(o.maxTokens, '--max-tokens');
  const temperature = decimal(o.temperature, '--temperature');
  const poll = wholeNumber(o.poll, '--poll', ' of ms');
  const pollMax = wholeNumber(o.pollMax, '--poll-max', ' of ms');
  const maxCost = decimal(o.maxCost, '--max-cost');
  if (maxCost.value !== undefined && !(maxCost.value > 0)) maxCost.problem = `--max-cost (${o.maxCost}) must be more than 0 (USD)`;
  const problems = [maxAttempts, maxTokens, temperature, poll, pollMax, maxCost].flatMap((p) => (p.problem ? [p.problem] : []));

  const found = schemas[o.schema];
  if (!found)
    problems.push(
      `--schema ${o.schema}: no such schema (have: ${Object.keys(schemas).join(', ') || 'none'}; --schemas MODULE loads others)`,
    );
  if (
    o.requests !== '-' &&
    !(await access(o.requests).then(
      () => true,
      () => false,
    ))
  )
    problems.push(`--requests ${o.requests}: no such file`);

  const values: StartFlagValues = {
    requests: o.requests,
    model: o.model,
    jobId: o.jobId,
    maxAttempts: maxAttempts.value,
    maxTokens: maxTokens.value,
    temperature: temperature.value,
    poll: poll.value,
    pollMax: pollMax.value,
  };
  const maxCostUsd = maxCost.value;
  const timing: Partial<JobTiming> = {
    ...(poll.value !== undefined && { pollInitialMs: poll.value }),
    ...(pollMax.value !== undefined && { pollMaxMs: pollMax.value }),
  };
  // A stand-in for a missing schema keeps the other checks running (the problem is listed above).
  const schema = found ?? z.object({});
  const checker = new JobChecker({
    jobId: o.jobId ?? 'job-id-to-be-generated',
    provider: o.provider,
    model: o.model,
    schemaName: found ? o.schema : 'Unknown',
    schema,
    params: {
      ...(maxTokens.value !== undefined && { maxTokens: maxTokens.value }),
      ...(temperature.value !== undefined && { temperature: temperature.value }),
    },
    maxAttempts: maxAttempts.value ?? 3,
    timing: { ...DEFAULT_TIMING, ...timing },
  });
  problems.push(...checker.jobProblems().map((p) => inFlagTerms(p, values)));
  return { values, schema, timing, problems, checker, maxCostUsd };
}

/**
 * Every problem of a start whose flags are wrong: the flag problems, then those of the requests
 * file, read once through the plan's checker (nothing is stored).
 */
export async function allStartProblems(plan: StartPlan): Promise<string[]> {
  const { values, checker } = plan;
  const problems = [...plan.problems];
  const readable =
    values.requests === '-' ||
    (await access(values.requests).then(
      () => true,
      () => false,
    ));
  if (!readable) return problems;
  const lines = new RequestLines();
  const jobLevel = new Set(checker.jobProblems());
  try {
    for await (const request of readRequests(values.requests, lines)) checker.add(request);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    problems.push(err.message);
    return problems;
  }
  const fromFile = checker.finish().filter((p) => !jobLevel.has(p));
  return [...problems, ...fromFile.map((p) => inFlagTerms(p, values, lines))];
}
