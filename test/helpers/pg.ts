/** Throwaway PostgreSQL databases for tests: one per test file, dropped when it is done. */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Where tests create their databases: `DURABATCH_TEST_PG`, else the local server's `postgres` database. */
function adminUrl(): string {
  return process.env.DURABATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function pgAvailable(): Promise<boolean> {
  try {
    await withAdmin((client) => client.query('SELECT 1'));
    return true;
  } catch {
    return false;
  }
}

export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  // CREATE DATABASE takes no parameters; the name is ours, made of hex digits only.
  const name = `durabatch_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
