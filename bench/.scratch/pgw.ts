import { Client } from 'pg';
import { PgJobStore } from '../../src/store';
import { createTestDatabase } from '../../test/helpers/pg';
const N = 50000;
async function main() {
  const db = await createTestDatabase();
  const store = await PgJobStore.open(db.url); await store.close();
  const c = new Client({ connectionString: db.url }); await c.connect();
  const cols = (from: number, n: number) => { const a: any[][] = Array.from({ length: 9 }, () => []); for (let i = from; i < from + n; i++) { const ok = i % 20 !== 0; a[0].push(i); a[1].push(`request-${i}`); a[2].push(ok); a[3].push(ok ? null : true); a[4].push(ok ? null : 'invalid_json'); a[5].push(ok ? null : 'not JSON: Unexpected token S, "Sure! Here is" is not valid JSON'); a[6].push(ok ? JSON.stringify({ name: `Person Number${i}`, age: 20 + (i % 60), email: `person${i}@example.com` }) : null); a[7].push(30); a[8].push(12); } return a; };
  const UPSERT = `INSERT INTO durabatch_outcomes AS o (job_id, attempt, chunk, idx, custom_id, ok, retryable, error_type, error_message, data, input_tokens, output_tokens)
  SELECT $1, $2, $3, u.* FROM unnest($4::int[], $5::text[], $6::boolean[], $7::boolean[], $8::text[], $9::text[], $10::jsonb[], $11::int[], $12::int[]) AS u
  ON CONFLICT (job_id, attempt, idx) DO UPDATE SET chunk = EXCLUDED.chunk, custom_id = EXCLUDED.custom_id, ok = EXCLUDED.ok, retryable = EXCLUDED.retryable, error_type = EXCLUDED.error_type, error_message = EXCLUDED.error_message, data = EXCLUDED.data, input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens, written_at = now() WHERE EXCLUDED.ok OR NOT o.ok`;
  const INSERT = UPSERT.replace(/ON CONFLICT[\s\S]*$/, '');
  let job = 0;
  async function t(label: string, group: number, sql: string) {
    for (let r = 0; r < 3; r++) {
      const jobId = `job-${job++}`;
      const batches = []; for (let i = 0; i < N; i += group) batches.push(cols(i, Math.min(group, N - i)));
      const t0 = performance.now();
      await c.query('BEGIN');
      await c.query('DELETE FROM durabatch_outcomes WHERE job_id = $1 AND attempt = $2 AND chunk = $3', [jobId, 1, 0]);
      for (const b of batches) await c.query(sql, [jobId, 1, 0, ...b]);
      await c.query('COMMIT');
      console.log(label, group, (performance.now() - t0).toFixed(0), 'ms');
    }
  }
  await t('upsert', 1000, UPSERT);
  await t('upsert', 5000, UPSERT);
  await t('insert', 1000, INSERT);
  // time in node building params vs server
  await t('upsert', 10000, UPSERT);
  await c.query('DROP INDEX durabatch_outcomes_latest');
  await t('upsert no latest idx', 1000, UPSERT);
  await c.query('DROP INDEX durabatch_outcomes_chunk');
  await t('upsert no latest/chunk idx', 1000, UPSERT);
  await c.end(); await db.drop();
}
main();
