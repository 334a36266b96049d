/**
 * A client process running one job, as a user's script would: it streams BENCH_N requests from a
 * generator into `durabatch.start` (never holding the list), waits for the result, then streams
 * every outcome from the store and counts them. Reports its phases' times and its peak RSS over IPC.
 */
import { Client, Connection } from '@temporalio/client';
import { Durabatch } from '../../src/client';
import { nowMs, RssSampler, vmHwmMb } from './report';
import { generateRequests, MODEL, PARAMS, User } from './requests';

async function main(): Promise<void> {
  const rss = new RssSampler(200);
  const n = Number(process.env.BENCH_N);
  const pollMs = Number(process.env.BENCH_POLL_MS);
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE });
  const durabatch = new Durabatch(client, { schemas: { User }, taskQueue: process.env.TASK_QUEUE, store: process.env.DURABATCH_STORE });
  try {
    const t0 = nowMs();
    const job = await durabatch.start({
      provider: 'openai',
      model: MODEL,
      schema: User,
      requests: generateRequests(n),
      jobId: process.env.BENCH_JOB_ID,
      ...PARAMS,
      // A fixed interval (no backoff), the same a plain script would poll at.
      timing: { pollInitialMs: pollMs, pollMaxMs: pollMs, pollFactor: 1 },
    });
    const t1 = nowMs();
    await job.result();
    const t2 = nowMs();
    let ok = 0;
    let failed = 0;
    for await (const outcome of job.results()) {
      if (outcome.ok) ok += 1;
      else failed += 1;
    }
    const t3 = nowMs();
    const sampledRssMb = rss.stop();
    // Sent before exiting, and waited for: an exit could drop a message still in the pipe.
    const report = {
      type: 'done',
      jobId: job.jobId,
      startMs: t1 - t0,
      resultMs: t2 - t1,
      streamMs: t3 - t2,
      wallMs: t3 - t0,
      ok,
      failed,
      sampledRssMb,
      peakRssMb: Math.max(sampledRssMb, vmHwmMb() ?? 0),
    };
    await new Promise<void>((resolve) => process.send!(report, () => resolve()));
  } finally {
    await (await durabatch.store()).close();
    await connection.close();
  }
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
