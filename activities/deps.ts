import type { ProviderRegistry } from '../src/providers';
import type { SchemaRegistry } from '../src/schema';
import type { JobStore } from '../src/store';

/** What activities are made from; the worker and tests inject their own. */
export interface ActivityDeps {
  providers: ProviderRegistry;
  store: JobStore;
  schemas: SchemaRegistry;
}
