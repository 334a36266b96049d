import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchEngine, type EmulatedItem } from '../../src/emulator';
import { resultLine } from '../../src/emulator/openai-wire';
import { parseOutputLine } from '../../src/providers/openai-lines';
import { toCanonicalJsonSchema } from '../../src/schema';
import { toOpenAIStrictSchema } from '../../src/schema/openai-strict';
import { classifyResult } from '../../activities/classify-result';
import { DEFAULT_RETRY_ON } from '../../src/job';
import { FileJobStore, PgJobStore, type JobStore } from '../../src/store';
import { writeRequests } from '../../src/write-requests';
import { requestFor, makeRequests, MODEL, User } from '../lib/requests';
import { createTestDatabase } from '../../test/helpers/pg';

const N = 50000;
const jsonSchema = toCanonicalJsonSchema(User, 'User');
const engine = new BatchEngine({ faults: { validatingMs: 0, processingMs: 0, finalizingMs: 0, invalidJsonRate: 0.025, schemaMismatchRate: 0.025 } });
const strict = toOpenAIStrictSchema(jsonSchema);
const items: EmulatedItem[] = makeRequests(N).map((r) => ({ customId: r.customId, messages: r.messages, jsonSchema: strict, maxTokens: 150 }));
const batch = engine.create('openai', { idPrefix: 'batch_', tag: 'x/a1/c0', model: MODEL, items });
const lines = engine.results(batch)!.map((r) => JSON.stringify(resultLine(batch, r, 0).line));
console.log('avg line bytes', lines.reduce((s, l) => s + l.length, 0) / N);
async function t(label: string, f: () => unknown) { for (let i = 0; i < 4; i++) { global.gc?.(); const t0 = performance.now(); await f(); if (i > 0) console.log(label, (performance.now() - t0).toFixed(0), 'ms'); } }
async function main() {
  let raws: any[] = [];
  await t('parseOutputLine', () => { raws = lines.map(parseOutputLine); });
  let outs: any[] = [];
  await t('classify', () => { outs = raws.map((r, i) => ({ idx: i, ...classifyResult(r, 1, User, jsonSchema, DEFAULT_RETRY_ON) })); });
  await t('JSON.parse only', () => { for (const l of lines) JSON.parse(l); });
  await t('zod only', () => { for (const o of outs) if (o.ok) User.safeParse(o.data); });
  await t('stringify outcomes', () => outs.map((o) => JSON.stringify(o) + '\n').join(''));
  const stores: Array<[string, JobStore]> = [['file', await FileJobStore.open(await mkdtemp(join(tmpdir(), 'x-')))]];
  const db = await createTestDatabase();
  stores.push(['pg', await PgJobStore.open(db.url)]);
  for (const [name, store] of stores) {
    const source = await writeRequests(store, 'j', makeRequests(N), { add: (r: any) => r, ok: true, finish: () => [] }, { provider: 'openai', model: MODEL, schemaName: 'User' });
    await t(`${name} readAttemptItems`, async () => { let k = 0; for await (const _ of store.readAttemptItems('j', source.set, 1, 0, N)) k++; });
    await t(`${name} write outcomes`, async () => { const w = await store.openOutcomeWriter('j', 1, 0); for (let i = 0; i < N; i += 1000) await w.write(outs.slice(i, i + 1000)); await w.commit(); });
    await store.close();
  }
  await db.drop();
}
main();
