/**
 * A durabatch worker in its own process, so a test can kill it with SIGKILL mid-job.
 * Configured by environment: TEMPORAL_ADDRESS, TASK_QUEUE, EMULATOR_URL, DURABATCH_STORE, and
 * WORKER_PROVIDERS (JSON: more provider settings, e.g. Gemini's inlineMaxBytes).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDurabatchWorker } from '../../src/worker';
import { testSchemas } from './schemas';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const worker = await createDurabatchWorker({
    schemas: testSchemas,
    address: process.env.TEMPORAL_ADDRESS,
    taskQueue: process.env.TASK_QUEUE,
    providers: { ...JSON.parse(process.env.WORKER_PROVIDERS ?? '{}'), emulatorUrl: process.env.EMULATOR_URL },
  });
  const running = worker.run();
  process.stdout.write('worker ready\n');
  await running;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
