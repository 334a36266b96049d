import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createFetchResults } from '../../activities/fetch-results';
import { BatchEngine, type EmulatedItem } from '../../src/emulator';
import { resultLine } from '../../src/emulator/openai-wire';
import { parseOutputLine } from '../../src/providers/openai-lines';
import { toCanonicalJsonSchema } from '../../src/schema';
import { toOpenAIStrictSchema } from '../../src/schema/openai-strict';
import { DEFAULT_RETRY_ON } from '../../src/job';
import { FileJobStore, PgJobStore, type JobStore } from '../../src/store';
import { writeRequests } from '../../src/write-requests';
import { makeRequests, MODEL, User } from '../lib/requests';
import { createTestDatabase } from '../../test/helpers/pg';
const N = 50000;
const jsonSchema = toCanonicalJsonSchema(User, 'User');
const engine = new BatchEngine({ faults: { validatingMs: 0, processingMs: 0, finalizingMs: 0, invalidJsonRate: 0.025, schemaMismatchRate: 0.025 } });
const strict = toOpenAIStrictSchema(jsonSchema);
const reqs = makeRequests(N);
const items: EmulatedItem[] = reqs.map((r) => ({ customId: r.customId, messages: r.messages, jsonSchema: strict, maxTokens: 150 }));
const batch = engine.create('openai', { idPrefix: 'batch_', tag: 'x/a1/c0', model: MODEL, items });
const lines = engine.results(batch)!.map((r) => JSON.stringify(resultLine(batch, r, 0).line));
const parsed = lines.map(parseOutputLine);
async function run(label: string, store: JobStore, source: any, preParsed: boolean) {
  const adapter = { async *results() { if (preParsed) yield* parsed; else for (const l of lines) yield parseOutputLine(l); } } as any;
  const fetch = createFetchResults({ providers: { get: () => adapter } as any, store, schemas: { User } });
  const ref = { jobId: 'j', provider: 'openai', model: MODEL, schemaName: 'User', params: {}, retryOn: DEFAULT_RETRY_ON, runId: randomUUID(), source } as any;
  for (let i = 0; i < 4; i++) { global.gc?.(); const t0 = performance.now(); await new MockActivityEnvironment().run(fetch, ref, { chunk: { attempt: 1, index: 0, offset: 0, size: N }, batchId: 'b', batchState: 'completed' }); if (i > 0) console.log(label, (performance.now() - t0).toFixed(0), 'ms'); }
}
const nullStore = (real: JobStore): JobStore => ({ ...Object.fromEntries(Object.getOwnPropertyNames(Object.getPrototypeOf(real)).map((k) => [k, (real as any)[k].bind(real)])), identity: real.identity,
  async *readAttemptItems() { for (const [idx, r] of reqs.entries()) yield { idx, ...r }; },
  async openOutcomeWriter() { return { write: async () => {}, commit: async () => {}, abort: async () => {} }; } } as any);
async function main() {
  const file = await FileJobStore.open(await mkdtemp(join(tmpdir(), 'x-')));
  const db = await createTestDatabase();
  const pg = await PgJobStore.open(db.url);
  for (const [name, store] of [['file', file], ['pg', pg]] as const) {
    const source = await writeRequests(store, 'j', reqs, { add: (r: any) => r, ok: true, finish: () => [] }, { provider: 'openai', model: MODEL, schemaName: 'User' });
    if (process.env.ONLY) { if (name === "file") { for (let k = 0; k < 5; k++) await run(`null store preparsed`, nullStore(store), source, true); } continue; }
    await run(`${name} real`, store, source, false);
    await run(`${name} preparsed`, store, source, true);
    if (name === 'file') { await run(`null store`, nullStore(store), source, false); await run(`null store preparsed`, nullStore(store), source, true); }
  }
  await pg.close(); await db.drop();
}
main();
