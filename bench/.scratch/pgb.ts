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
  const bounded = async () => { let k = 0; for (let lo = 0; lo < N; lo += 2000) { const { rows } = await pool.query('SELECT idx AS pos, idx, custom_id, messages FROM durabatch_requests WHERE set_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx', [source.set, lo, Math.min(N, lo + 2000)]); k += rows.length; } return k; };
  const current = async () => { let k = 0; for await (const _ of store.readAttemptItems('j', source.set, 1, 0, N)) k++; return k; };
  for (let i = 0; i < 3; i++) { let t0 = performance.now(); await current(); const a = performance.now() - t0; t0 = performance.now(); await bounded(); console.log('no stats: current', a.toFixed(0), 'bounded page', (performance.now() - t0).toFixed(0)); }
  await pool.query('ANALYZE durabatch_requests');
  for (let i = 0; i < 3; i++) { let t0 = performance.now(); await current(); const a = performance.now() - t0; t0 = performance.now(); await bounded(); console.log('analyzed: current', a.toFixed(0), 'bounded page', (performance.now() - t0).toFixed(0)); }
  await pool.end(); await store.close(); await db.drop();
}
main();
