/** `durabatch status JOB` for a person: one labelled row per fact, wrapped to the terminal. */
import type { JobStatus, JobSummary } from '../job';
import { formatUsd, type UsdEstimate } from '../cost';
import { compactNumber } from './eta';
import { wrapWords } from './width';

const LABEL = 10;

/** A status whose counts came from Temporal's records, not from the job (no worker, or it failed). */
function fromRecords(s: JobStatus): boolean {
  return s.maxAttempts === 0;
}

export function statusTable(s: JobStatus, width: number, failure?: string): string[] {
  const rows: Array<[string, string]> = [];
  rows.push(['job', s.jobId]);
  rows.push(['phase', s.phase + (s.cancelRequested && s.phase !== 'cancelled' ? ' (cancel requested)' : '')]);
  rows.push(['provider', `${s.provider}${s.model ? `, model ${s.model}` : ''}`]);
  const n = (x: number) => x.toLocaleString('en-US');
  if (fromRecords(s)) rows.push(['items', `${n(s.counts.total)} requests`]);
  else {
    rows.push([
      'items',
      `${n(s.counts.total)} total: ${n(s.counts.succeeded)} succeeded, ${n(s.counts.failed)} failed, ${n(s.counts.pending)} pending`,
    ]);
    rows.push(['attempt', `${s.attempt} of at most ${s.maxAttempts}`]);
    rows.push(['usage', `${compactNumber(s.usage.inputTokens)} input, ${compactNumber(s.usage.outputTokens)} output tokens`]);
    const cost = (s as JobStatus & { estimatedCostUsd?: UsdEstimate }).estimatedCostUsd;
    if (cost !== undefined) rows.push(['cost', `${formatUsd(cost)} (estimated at the model's batch price)`]);
  }
  const errors = Object.entries((s as Partial<JobSummary>).errorsByType ?? {}).filter(([, c]) => c);
  if (errors.length) rows.push(['errors', errors.map(([type, c]) => `${c} ${type}`).join(', ')]);
  for (const c of s.chunks.slice(-5)) {
    const got = c.fetched
      ? `${c.succeeded} ok, ${c.failed} failed`
      : c.providerCounts
        ? `${c.providerCounts.succeeded + c.providerCounts.failed} of ${c.items} processed`
        : `${c.items} items`;
    rows.push([
      'batch',
      `${c.batchId ?? '(not created yet)'} ${c.providerStatus ?? c.state}: ${got} (attempt ${c.attempt}, chunk ${c.index})`,
    ]);
  }
  if (s.chunks.length > 5) rows.push(['', `... and ${s.chunks.length - 5} earlier batches (--json lists all)`]);
  for (const t of s.troubles ?? []) {
    rows.push(['retrying', `${t.activity} (try ${t.attempt}${t.nextRetryAt ? `, next at ${t.nextRetryAt}` : ''}): ${t.lastFailure}`]);
  }
  if (s.note) rows.push(['note', s.note]);
  if (s.storeUrl) rows.push(['store', s.storeUrl]);
  if (failure) rows.push(['failed', failure]);
  return rows.flatMap(([label, value]) => {
    const [first = '', ...rest] = wrapWords(value, width - LABEL, '');
    return [`${label.padEnd(LABEL)}${first}`, ...rest.map((l) => ' '.repeat(LABEL) + l)];
  });
}
