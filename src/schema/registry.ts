import type { z } from 'zod';

/** Schemas by name. The same registry is given to the client and the worker: the workflow carries only the name. */
export type SchemaRegistry = Record<string, z.ZodType>;

const SCHEMA_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function checkRegistry(registry: SchemaRegistry): void {
  for (const name of Object.keys(registry)) {
    if (!SCHEMA_NAME.test(name)) {
      throw new Error(`schema name "${name}" must match ${SCHEMA_NAME} (it is sent to providers as the schema's name)`);
    }
  }
}

/** The registered name of a schema object, found by identity. */
export function schemaNameOf(registry: SchemaRegistry, schema: z.ZodType): string | undefined {
  return Object.entries(registry).find(([, s]) => s === schema)?.[0];
}
