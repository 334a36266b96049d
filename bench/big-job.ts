/**
 * A 1,000,000-request job end to end: the OpenAI provider on the emulator (batches end 200 ms after
 * creation, so the figure is durabatch's own time), a file store in a temp dir, a worker and a client
 * each in its own process. Shows that a job of any size keeps both processes' memory flat and the
 * workflow's history small (requests and results live in the store; history holds references and
 * counts). Targets: worker and client < 512 MB each, history < 2,000 events and < 2 MB.
 *
 *   npm run bench -- big-job [--n 1000000]
 *
 * The emulator lives in this process, so its memory (every input and output file of the job) is not
 * counted against durabatch. A 3-request job on the same stack gives the history's fixed cost.
 */
import { figure, note, nowMs, option } from './lib/report';
import { historyOf, runClientChild, selfPeakMb, startStack, startWorkerChild } from './lib/stack';

const n = option('n', 1_000_000);

async function main(): Promise<void> {
  const t0 = nowMs();
  const stack = await startStack();
  try {
    const worker = await startWorkerChild(stack);
    note(
      `big-job: stack up in ${((nowMs() - t0) / 1000).toFixed(1)} s (dev server ${stack.server.address}, emulator ${stack.emulator.url})`,
    );
    let workerPeak;
    try {
      const big = await runClientChild(stack, { n, jobId: `bench-big-${n}` });
      note(
        `big-job: ${n.toLocaleString('en')} requests: start ${(big.startMs / 1000).toFixed(1)} s, result ${(big.resultMs / 1000).toFixed(1)} s, ` +
          `results ${(big.streamMs / 1000).toFixed(1)} s; ${big.ok} ok, ${big.failed} failed; batches created ${stack.emulator.stats().batchesCreated}`,
      );
      const small = await runClientChild(stack, { n: 3, jobId: 'bench-small-3' });
      note(`big-job: 3 requests: ${(small.wallMs / 1000).toFixed(1)} s; ${small.ok} ok, ${small.failed} failed`);
      const bigHistory = await historyOf(stack, big.jobId);
      const smallHistory = await historyOf(stack, small.jobId);
      note(`big-job: history over ${bigHistory.runs} run(s); 3-request job: ${smallHistory.runs} run(s)`);
      workerPeak = await worker.stop();

      figure('big_job.requests', n, 'requests');
      figure('big_job.outcomes_ok', big.ok, 'outcomes');
      figure('big_job.outcomes_failed', big.failed, 'outcomes');
      figure('big_job.wall', big.wallMs / 1000, 's');
      figure('big_job.worker_peak_rss', workerPeak.peakRssMb, 'MiB');
      figure('big_job.worker_job_peak_rss', workerPeak.sampledRssMb, 'MiB');
      figure('big_job.client_peak_rss', big.peakRssMb, 'MiB');
      figure('big_job.history_events', bigHistory.events, 'events');
      figure('big_job.history_bytes', bigHistory.bytes / 1e6, 'MB');
      figure('big_job.small_job_history_events', smallHistory.events, 'events');
      figure('big_job.small_job_history_bytes', smallHistory.bytes / 1e6, 'MB');
      note(
        `big-job: worker start-up peak ${workerPeak.startupPeakMb.toFixed(0)} MiB, ${workerPeak.readyRssMb.toFixed(0)} MiB when ready, ` +
          `${workerPeak.sampledRssMb.toFixed(0)} MiB sampled max during the jobs; client sampled max ${big.sampledRssMb.toFixed(0)} MiB; ` +
          `this process (emulator) peak ${selfPeakMb().toFixed(0)} MiB`,
      );
    } finally {
      if (!workerPeak) await worker.stop().catch(() => undefined);
    }
  } finally {
    await stack.close();
  }
  note(`big-job: ${((nowMs() - t0) / 1000).toFixed(0)} s in all`);
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
