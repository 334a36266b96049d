/**
 * Where a job's time goes: one job on the benchmark stack, then its history as a timeline of
 * activities (scheduled → started → closed, in seconds from the workflow's start). A diagnostic,
 * not a figure: it prints to stderr only.
 *
 *   npx tsx bench/timeline.ts [--n 100000]   (not part of `npm run bench`: it prints no figures)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findTemporalCli } from '../src/devserver';
import { note, option } from './lib/report';
import { runClientChild, startStack, startWorkerChild } from './lib/stack';

const n = option('n', 100_000);

interface HistoryEvent {
  eventId: string;
  eventTime: string;
  eventType: string;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
  activityTaskStartedEventAttributes?: { scheduledEventId?: string };
  activityTaskCompletedEventAttributes?: { scheduledEventId?: string };
  activityTaskFailedEventAttributes?: { scheduledEventId?: string };
}

async function main(): Promise<void> {
  const stack = await startStack();
  try {
    const worker = await startWorkerChild(stack);
    try {
      await runClientChild(stack, { n: 3, jobId: 'timeline-warmup' });
      const job = await runClientChild(stack, { n, jobId: `timeline-${n}` });
      note(
        `timeline: ${n} requests: start ${(job.startMs / 1000).toFixed(1)} s, result ${(job.resultMs / 1000).toFixed(1)} s, results ${(job.streamMs / 1000).toFixed(1)} s`,
      );
      const cli = await findTemporalCli();
      const { stdout } = await promisify(execFile)(
        cli,
        ['workflow', 'show', '-w', job.jobId, '--output', 'json', '--address', stack.server.address, '--namespace', stack.server.namespace],
        { maxBuffer: 256 * 2 ** 20 },
      );
      const events = (JSON.parse(stdout) as { events: HistoryEvent[] }).events;
      const t0 = Date.parse(events[0]!.eventTime);
      const at = (e: HistoryEvent) => ((Date.parse(e.eventTime) - t0) / 1000).toFixed(2).padStart(6);
      const scheduled = new Map<string, HistoryEvent>();
      const started = new Map<string, HistoryEvent>();
      for (const e of events) {
        if (e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED') scheduled.set(e.eventId, e);
        const startedOf = e.activityTaskStartedEventAttributes?.scheduledEventId;
        if (startedOf) started.set(startedOf, e);
        const closedOf = e.activityTaskCompletedEventAttributes?.scheduledEventId ?? e.activityTaskFailedEventAttributes?.scheduledEventId;
        if (closedOf) {
          const s = scheduled.get(closedOf)!;
          const name = s.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
          note(`${at(s)} → ${at(started.get(closedOf) ?? s)} → ${at(e)}  ${name}`);
        }
      }
      note(`${at(events[events.length - 1]!)}  workflow closed (${events.length} events)`);
    } finally {
      await worker.stop();
    }
  } finally {
    await stack.close();
  }
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
