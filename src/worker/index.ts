import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { dataConverterFromEnv } from '../codec/aes-gcm-codec';
import { DEFAULT_TASK_QUEUE, temporalAddress, temporalNamespace } from '../config';
import { ProviderRegistry, type ProviderConfig } from '../providers';
import { checkRegistry, type SchemaRegistry } from '../schema';
import { ensureSearchAttributes } from '../search-attributes-check';
import { defaultStoreUrl, openStore, type JobStore } from '../store';
import { workflowSource } from './workflow-source';

export interface DurabatchWorkerOptions {
  /** The same schema registry the client uses. */
  schemas: SchemaRegistry;
  /** Where providers are: `{ emulatorUrl }` for the emulator, else real APIs with keys from the environment. */
  providers?: ProviderConfig;
  connection?: NativeConnection;
  address?: string;
  namespace?: string;
  taskQueue?: string;
  /** The job store: an open store or its URL (default `DURABATCH_STORE`, else `<DURABATCH_HOME>/store`); the clients' store. */
  store?: JobStore | string;
  /** A prebuilt workflow bundle (tests build it once per suite). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /** Default: `{ payloadCodecs: [AES-GCM codec] }` when `DURABATCH_CODEC_KEYS` is set (src/codec), else the SDK's. Clients need the same. */
  dataConverter?: WorkerOptions['dataConverter'];
}

export { WORKFLOWS_PATH } from './workflow-source';

/** A worker that runs batchJobWorkflow and its activities. Call `run()` (or `runUntil`). */
export async function createDurabatchWorker(options: DurabatchWorkerOptions): Promise<Worker> {
  checkRegistry(options.schemas);
  const store = typeof options.store === 'object' ? options.store : await openStore(options.store ?? defaultStoreUrl());
  const connection = options.connection ?? (await NativeConnection.connect({ address: options.address ?? temporalAddress() }));
  const namespace = options.namespace ?? temporalNamespace();
  // An unregistered search attribute would fail every workflow task, forever: refuse to start instead.
  await ensureSearchAttributes(connection.operatorService, namespace);
  return Worker.create({
    connection,
    namespace,
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(await workflowSource(options.workflowBundle)),
    activities: createActivities({
      providers: new ProviderRegistry(options.providers ?? {}),
      store,
      schemas: options.schemas,
      temporal: connection,
    }),
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
    dataConverter: options.dataConverter ?? dataConverterFromEnv(),
  });
}
