import { Pool } from 'pg';
import { PgJobStore } from '../../src/store';
import { writeRequests } from '../../src/write-requests';
import { makeRequests, MODEL } from '../lib/requests';
import { createTestDatabase } from '../../test/helpers/pg';
const N = 50000;
async function main() {
  const db = await createTestDatabase();
  const store = await PgJobStore.open(db.url);
  const source = await writeRequests(store, 'j', makeRequests(N), { add: (r: any) => r, ok: true, finish: () => [] }, { provider: 'openai', model: MODEL, schemaName: 'User' });
  const pool = new Pool({ connectionString: db.url });
  for (const lo of [0, 24000]) {
    const { rows } = await pool.query('EXPLAIN (ANALYZE, BUFFERS) SELECT idx, custom_id FROM durabatch_requests WHERE set_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx LIMIT $4', [source.set, lo, N, 2000]);
    console.log(rows.map((r: any) => r['QUERY PLAN']).join('\n'));
  }
  const { rows } = await pool.query("select count(*), pg_size_pretty(pg_total_relation_size('durabatch_requests')) from durabatch_requests");
  console.log(rows);
  for (let i = 0; i < 3; i++) { const t0 = performance.now(); await pool.query('SELECT idx, custom_id FROM durabatch_requests WHERE set_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx LIMIT 2000', [source.set, 24000, N]); console.log('one page', (performance.now() - t0).toFixed(1)); }
  await pool.end(); await store.close(); await db.drop();
}
main();
