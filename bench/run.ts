/**
 * Throughput and memory of the in-memory hot paths, per provider: planning chunks (sizing every
 * request in the provider's dialect), building the batch body, and classifying answers
 * (JSON.parse + zod). Prints figures; asserts nothing.  `npm run bench [-- N]`
 */
import { classifyResult } from '../activities/classify-result';
import { planChunks } from '../activities/plan-chunks';
import { offlineAdapter } from '../src/providers';
import { inputLine, sharedBody } from '../src/providers/openai-lines';
import { toCanonicalJsonSchema } from '../src/schema';
import { DEFAULT_RETRY_ON } from '../src/job';
import { User } from '../src/examples';
import { PROVIDERS, type PreparedRequest } from '../src/types';

const n = Number(process.argv[2] ?? 50_000);
const requests: PreparedRequest[] = Array.from({ length: n }, (_, i) => ({
  customId: `request-${i}`,
  messages: [
    { role: 'system', content: 'Extract user information from the text.' },
    { role: 'user', content: `Person Number${i} is ${20 + (i % 60)} years old; write to person${i}@example.com.` },
  ],
}));
const jsonSchema = toCanonicalJsonSchema(User, 'User');
const shape = { jobId: 'bench', model: 'gpt-4o-mini', params: { maxTokens: 150 }, output: { name: 'User', jsonSchema } };

function measure(label: string, work: () => number | void): void {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const bytes = work();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
  const rate = Math.round((n / ms) * 1000).toLocaleString('en');
  const mbps = typeof bytes === 'number' ? ` · ${((bytes / 2 ** 20) / (ms / 1000)).toFixed(0)} MiB/s (${(bytes / 2 ** 20).toFixed(1)} MiB)` : '';
  console.log(`${label.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms · ${rate.padStart(10)} items/s${mbps} · heap ${heapMb >= 0 ? '+' : ''}${heapMb.toFixed(0)} MiB`);
}

console.log(`durabatch bench: ${n.toLocaleString('en')} requests, node ${process.version}, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB at start\n`);
for (const provider of PROVIDERS) {
  const adapter = offlineAdapter(provider);
  measure(`${provider}: plan chunks (size each)`, () => {
    planChunks(requests, { adapter, schema: User, shape });
  });
}
measure('openai: build JSONL body in memory', () => {
  const body = sharedBody(shape);
  return Buffer.byteLength(requests.map((r) => inputLine(r, body)).join(''));
});
const answers = requests.map((r, i) => ({
  customId: r.customId,
  kind: 'message' as const,
  text: JSON.stringify({ name: `Person Number${i}`, age: 20 + (i % 60), email: `person${i}@example.com` }),
  finishReason: 'stop' as const,
  usage: { inputTokens: 30, outputTokens: 20 },
}));
measure('classify answers (parse + zod)', () => {
  let ok = 0;
  for (const a of answers) if (classifyResult(a, 1, User, jsonSchema, DEFAULT_RETRY_ON).ok) ok += 1;
  if (ok !== n) throw new Error(`expected ${n} valid answers, got ${ok}`);
});
console.log(`\npeak rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
