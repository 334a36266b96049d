import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { ProviderRegistry } from '../../src/providers';
import { FileJobStore } from '../../src/store';
import { writeRequests } from '../../src/write-requests';
import { DEFAULT_RETRY_ON } from '../../src/job';
import { generateRequests, MODEL, PARAMS, User } from '../lib/requests';
const N = Number(process.env.N ?? 100000);
let peak = 0; setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10).unref();
const mb = (x: number) => (x / 2 ** 20).toFixed(0);
async function step<T>(label: string, f: () => Promise<T>): Promise<T> {
  peak = process.memoryUsage().rss; const before = peak; const t0 = performance.now();
  const r = await f(); const pk = peak; global.gc?.(); peak = pk;
  console.log(label.padEnd(16), (performance.now() - t0).toFixed(0).padStart(6), 'ms  rss before', mb(before), 'peak', mb(peak), 'after', mb(process.memoryUsage().rss), 'heap', mb(process.memoryUsage().heapUsed));
  return r;
}
async function main() {
  const store = await FileJobStore.open(await mkdtemp(join(tmpdir(), 'acts-')));
  const acts = createActivities({ providers: new ProviderRegistry({ emulatorUrl: process.env.EMU }), store, schemas: { User } });
  const source = await writeRequests(store, 'j', generateRequests(N), { add: (r: any) => r, ok: true, finish: () => [] }, { provider: 'openai', model: MODEL, schemaName: 'User' });
  const ref = { jobId: 'j', provider: 'openai' as const, model: MODEL, schemaName: 'User', params: PARAMS, retryOn: DEFAULT_RETRY_ON, runId: '0196f00d-aaaa-7bbb-8ccc-123456789abc', source };
  const env = () => new MockActivityEnvironment({ heartbeatTimeoutMs: 60000 } as any);
  const plan = await step('plan', () => env().run(acts.planAttempt, ref, 1));
  let offset = 0; const batches: string[] = [];
  for (const [index, size] of plan.chunkSizes.entries()) {
    const res = await step(`submit c${index}`, () => env().run(acts.submitChunk, ref, { attempt: 1, index, offset, size }));
    batches.push(res.batchId); offset += size;
  }
  await new Promise((r) => setTimeout(r, 500));
  await step('poll', () => env().run(acts.pollBatches, 'openai', batches));
  offset = 0;
  for (const [index, size] of plan.chunkSizes.entries()) {
    await step(`fetch c${index}`, () => env().run(acts.fetchResults, ref, { chunk: { attempt: 1, index, offset, size }, batchId: batches[index], batchState: 'completed' }));
    offset += size;
  }
  process.exit(0);
}
main();
