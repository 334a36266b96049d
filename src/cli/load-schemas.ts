import { resolve } from 'node:path';
import { exampleSchemas } from '../examples';
import type { SchemaRegistry } from '../schema';

/** The schema registry for CLI commands: a module's `schemas` export (or default), else the example schemas. */
export function loadSchemas(modulePath?: string): SchemaRegistry {
  if (!modulePath) return exampleSchemas;

  const mod = require(resolve(modulePath)) as { schemas?: SchemaRegistry; default?: SchemaRegistry };
  const schemas = mod.schemas ?? mod.default;
  if (!schemas || typeof schemas !== 'object') {
    throw new Error(`${modulePath} must export \`schemas\` (an object of zod schemas by name)`);
  }
  return schemas;
}
