/**
 * A durabatch worker in its own process, so its memory is its own: configured by the stack's
 * environment (TEMPORAL_ADDRESS, TASK_QUEUE, EMULATOR_URL, DURABATCH_STORE), it says `ready` over
 * IPC once polling, and on `stop` shuts down and reports its peak RSS.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDurabatchWorker } from '../../src/worker';
import { vmHwmMb, RssSampler } from './report';
import { User } from './requests';

async function main(): Promise<void> {
  const rss = new RssSampler(200);
  // Activity retries are part of the job's story, not noise for the benchmark's reader: only errors.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const worker = await createDurabatchWorker({
    schemas: { User },
    address: process.env.TEMPORAL_ADDRESS,
    namespace: process.env.TEMPORAL_NAMESPACE,
    taskQueue: process.env.TASK_QUEUE,
    store: process.env.DURABATCH_STORE,
    providers: { emulatorUrl: process.env.EMULATOR_URL },
    shutdownGraceTime: '1s',
    // Prebuilt, as the installed package's worker loads dist/workflow-bundle.js (bench/lib/bundle-child.ts).
    ...(process.env.WORKFLOW_BUNDLE && { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE } }),
  });
  const running = worker.run();
  // Creating the worker loads the workflow code (bundled by webpack unless WORKFLOW_BUNDLE names a
  // prebuilt bundle): a start-up cost. Sampling starts again here, so the job's own peak is told apart.
  const startupPeakMb = Math.max(rss.stop(), vmHwmMb() ?? 0);
  const readyRssMb = process.memoryUsage().rss / 2 ** 20;
  const jobRss = new RssSampler(200);
  // BENCH_TRACE=<ms>: a memory line on stderr every <ms>, to see which phase of a job makes the peak.
  if (process.env.BENCH_TRACE) {
    const t0 = Date.now();
    setInterval(() => {
      const m = process.memoryUsage();
      const f = (x: number) => (x / 2 ** 20).toFixed(0);
      console.error(
        `worker t=${((Date.now() - t0) / 1000).toFixed(0)}s rss ${f(m.rss)} heapUsed ${f(m.heapUsed)} heapTotal ${f(m.heapTotal)} external ${f(m.external)} arrayBuffers ${f(m.arrayBuffers)}`,
      );
    }, Number(process.env.BENCH_TRACE)).unref();
  }
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stop' && worker.getState() === 'RUNNING') worker.shutdown();
  });
  process.send!({ type: 'ready', startupPeakMb, readyRssMb });
  await running;
  const sampledRssMb = jobRss.stop();
  process.send!({ type: 'stopped', sampledRssMb, startupPeakMb, readyRssMb, peakRssMb: Math.max(sampledRssMb, vmHwmMb() ?? 0) }, () =>
    process.exit(0),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
