/**
 * `durabatch list`: recent jobs from Temporal's visibility store, found by workflow type and the
 * search attributes the workflow keeps current (src/search-attributes.ts). Only what visibility
 * holds is shown: per-item counts live in the job, so ITEMS is the job's size.
 */
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { ITEMS_KEY, PHASE_KEY, PROVIDER_KEY } from '../search-attributes';
import { PROVIDERS } from '../types';
import { formatDuration } from './eta';
import { closedBy, JOB_WORKFLOW_TYPE } from './find-job';
import type { ListPhase } from './list-phases';
import { truncateMiddle } from './width';

export interface JobRow {
  jobId: string;
  provider: string;
  model: string;
  /** The job's phase, or how Temporal ended it (terminated, timed out). */
  phase: string;
  items: number | null;
  startTime: string;
  closeTime: string | null;
}

const q = (value: string) => `'${value.replace(/'/g, "\\'")}'`;

/**
 * The visibility query. A failed job may have been terminated or timed out before it could record
 * its phase, so `failed` goes by Temporal's own status; a continued-as-new run is the same job as
 * its successor and is left out.
 */
export function listQuery(opts: { phase?: ListPhase; provider?: string }): string {
  const where = [`WorkflowType = ${q(JOB_WORKFLOW_TYPE)}`, `ExecutionStatus != 'ContinuedAsNew'`];
  switch (opts.phase) {
    case undefined:
      break;
    case 'running':
      where.push(`ExecutionStatus = 'Running'`);
      break;
    case 'completed':
      where.push(`ExecutionStatus = 'Completed'`, `${PHASE_KEY.name} = 'completed'`);
      break;
    case 'cancelled':
      where.push(`(${PHASE_KEY.name} = 'cancelled' OR ExecutionStatus = 'Canceled')`);
      break;
    case 'failed':
      where.push(`ExecutionStatus IN ('Failed', 'Terminated', 'TimedOut')`);
      break;
    default:
      where.push(`ExecutionStatus = 'Running'`, `${PHASE_KEY.name} = ${q(opts.phase)}`);
  }
  if (opts.provider) where.push(`${PROVIDER_KEY.name} = ${q(opts.provider)}`);
  return where.join(' AND ');
}

function phaseOf(info: WorkflowExecutionInfo): string {
  switch (info.status.name) {
    case 'RUNNING':
    case 'COMPLETED':
      return info.typedSearchAttributes.get(PHASE_KEY) ?? (info.status.name === 'RUNNING' ? 'validating' : 'completed');
    default:
      return closedBy(info.status.name);
  }
}

export function toJobRow(info: WorkflowExecutionInfo): JobRow {
  return {
    jobId: info.workflowId,
    provider: info.typedSearchAttributes.get(PROVIDER_KEY) ?? '',
    model: typeof info.memo?.durabatchModel === 'string' ? info.memo.durabatchModel : '',
    phase: phaseOf(info),
    items: info.typedSearchAttributes.get(ITEMS_KEY) ?? null,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime?.toISOString() ?? null,
  };
}

/** 45s, 12m, 3h, 5d: how long ago, in at most 4 columns. */
export function age(fromIso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(fromIso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return s < 100 * 86_400 ? `${Math.floor(s / 86_400)}d` : formatDuration(s);
}

const GAP = '  ';

/**
 * The table in at most `width` columns. Provider, phase, items and age have small known widths;
 * ID and model share the rest, the ID first (it is what a person copies; --json has it whole). A value that still does
 * not fit is cut in the middle with an ellipsis, so both ends stay recognisable.
 */
export function formatJobTable(rows: JobRow[], width: number, now = Date.now()): string[] {
  const header = { jobId: 'ID', provider: 'PROVIDER', model: 'MODEL', phase: 'PHASE', items: 'ITEMS', age: 'AGE' };
  const cells = rows.map((r) => ({
    jobId: r.jobId,
    provider: r.provider,
    model: r.model,
    phase: r.phase,
    items: r.items === null ? '' : r.items.toLocaleString('en-US'),
    age: age(r.startTime, now),
  }));
  const all = [header, ...cells];
  const widest = (k: keyof typeof header) => Math.max(...all.map((c) => c[k].length));
  const providerW = Math.min(widest('provider'), Math.max(...PROVIDERS.map((p) => p.length)));
  const phaseW = widest('phase');
  const itemsW = widest('items');
  const ageW = widest('age');
  const rest = width - (providerW + phaseW + itemsW + ageW + GAP.length * 5);
  // A generated ID (28 characters) always fits whole; a longer one gives way to the model only that far.
  const idW = Math.max(8, Math.min(widest('jobId'), Math.max(28, rest - widest('model')), rest - 8));
  const modelW = Math.max(5, Math.min(widest('model'), rest - idW));
  return all.map((c) =>
    [
      truncateMiddle(c.jobId, idW).padEnd(idW),
      c.provider.padEnd(providerW),
      truncateMiddle(c.model, modelW).padEnd(modelW),
      c.phase.padEnd(phaseW),
      c.items.padStart(itemsW),
      c.age.padStart(ageW),
    ]
      .join(GAP)
      .trimEnd(),
  );
}
