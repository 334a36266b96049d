import { Client } from 'pg';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { PgJobStore } from '../../src/store';
import { createTestDatabase } from '../../test/helpers/pg';
const N = 50000;
async function main() {
  const db = await createTestDatabase();
  const store = await PgJobStore.open(db.url); await store.close();
  const c = new Client({ connectionString: db.url }); await c.connect();
  const rows = (jobId: string) => { const out: string[] = []; for (let i = 0; i < N; i++) { const ok = i % 20 !== 0; out.push([jobId, 1, 0, i, `request-${i}`, ok ? 't' : 'f', ok ? '\\N' : 't', ok ? '\\N' : 'invalid_json', ok ? '\\N' : 'not JSON: Unexpected token', ok ? JSON.stringify({ name: `Person Number${i}`, age: 20 + (i % 60), email: `person${i}@example.com` }) : '\\N', 30, 12].join('\t') + '\n'); } return out; };
  let job = 0;
  for (let r = 0; r < 3; r++) {
    const jobId = `job-${job++}`; const lines = rows(jobId);
    const t0 = performance.now();
    await c.query('BEGIN');
    await c.query('DELETE FROM durabatch_outcomes WHERE job_id = $1 AND attempt = $2 AND chunk = $3', [jobId, 1, 0]);
    for (let i = 0; i < N; i += 1000) await pipeline(Readable.from([lines.slice(i, i + 1000).join('')]), c.query(copyFrom('COPY durabatch_outcomes (job_id, attempt, chunk, idx, custom_id, ok, retryable, error_type, error_message, data, input_tokens, output_tokens) FROM STDIN')));
    await c.query('COMMIT');
    console.log('copy direct per 1000', (performance.now() - t0).toFixed(0), 'ms');
  }
  for (let r = 0; r < 3; r++) {
    const jobId = `job-${job++}`; const lines = rows(jobId);
    const t0 = performance.now();
    await c.query('BEGIN');
    await c.query('CREATE TEMP TABLE stage (LIKE durabatch_outcomes INCLUDING DEFAULTS, seq bigserial) ON COMMIT DROP');
    for (let i = 0; i < N; i += 1000) await pipeline(Readable.from([lines.slice(i, i + 1000).join('')]), c.query(copyFrom('COPY stage (job_id, attempt, chunk, idx, custom_id, ok, retryable, error_type, error_message, data, input_tokens, output_tokens) FROM STDIN')));
    await c.query('DELETE FROM durabatch_outcomes WHERE job_id = $1 AND attempt = $2 AND chunk = $3', [jobId, 1, 0]);
    await c.query(`INSERT INTO durabatch_outcomes SELECT DISTINCT ON (job_id, attempt, idx) job_id, attempt, idx, chunk, custom_id, ok, retryable, error_type, error_message, data, input_tokens, output_tokens, written_at FROM stage ORDER BY job_id, attempt, idx, ok DESC, seq DESC`);
    await c.query('COMMIT');
    console.log('copy to temp + insert select', (performance.now() - t0).toFixed(0), 'ms');
  }
  await c.end(); await db.drop();
}
main();
