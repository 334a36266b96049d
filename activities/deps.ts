import type { ProviderRegistry } from '../src/providers';
import type { SchemaRegistry } from '../src/schema';
import type { JobStore } from '../src/store';
import type { NativeConnection } from '@temporalio/worker';

/** What activities are made from; the worker and tests inject their own. */
export interface ActivityDeps {
  providers: ProviderRegistry;
  store: JobStore;
  schemas: SchemaRegistry;
  /** The worker's own connection: a job cancelled by signal asks through it to be marked Cancelled. */
  temporal?: Pick<NativeConnection, 'workflowService'>;
}
