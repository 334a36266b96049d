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
  for (let r = 0; r < 3; r++) {
    let t0 = performance.now(); let k = 0;
    for await (const _ of store.readAttemptItems('j', source.set, 1, 0, N)) k++;
    const full = performance.now() - t0;
    t0 = performance.now(); k = 0;
    for (let lo = 0; lo < N; lo += 2000) { const { rows } = await pool.query('SELECT idx, custom_id FROM durabatch_requests WHERE set_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx LIMIT 2000', [source.set, lo, N]); k += rows.length; }
    const ids = performance.now() - t0;
    t0 = performance.now(); k = 0;
    { const { rows } = await pool.query('SELECT idx, custom_id FROM durabatch_requests WHERE set_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx', [source.set, 0, N]); k += rows.length; }
    console.log('full', full.toFixed(0), 'ids paged', ids.toFixed(0), 'ids one query', (performance.now() - t0).toFixed(0));
  }
  await pool.end(); await store.close(); await db.drop();
}
main();
