import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { DEFAULT_TASK_QUEUE, resultsDir, temporalAddress, temporalNamespace } from '../config';
import { ProviderRegistry, type ProviderConfig } from '../providers';
import { checkRegistry, type SchemaRegistry } from '../schema';
import { FileResultStore, type ResultStore } from '../store';

export interface DurabatchWorkerOptions {
  /** The same schema registry the client uses. */
  schemas: SchemaRegistry;
  /** Where providers are: `{ emulatorUrl }` for the emulator, else real APIs with keys from the environment. */
  providers?: ProviderConfig;
  connection?: NativeConnection;
  address?: string;
  namespace?: string;
  taskQueue?: string;
  store?: ResultStore;
  /** A prebuilt workflow bundle (tests build it once per suite). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

export const WORKFLOWS_PATH = require.resolve('../../workflows');

/** A worker that runs batchJobWorkflow and its activities. Call `run()` (or `runUntil`). */
export async function createDurabatchWorker(options: DurabatchWorkerOptions): Promise<Worker> {
  checkRegistry(options.schemas);
  const connection = options.connection ?? (await NativeConnection.connect({ address: options.address ?? temporalAddress() }));
  return Worker.create({
    connection,
    namespace: options.namespace ?? temporalNamespace(),
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities({
      providers: new ProviderRegistry(options.providers ?? {}),
      store: options.store ?? new FileResultStore(resultsDir()),
      schemas: options.schemas,
    }),
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
  });
}
