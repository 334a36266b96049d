import { BatchEngine, type EmulatedItem } from '../../src/emulator';
import { ensureResultFiles } from '../../src/emulator/openai-results';
import { batchObject } from '../../src/emulator/openai-wire';
import { toCanonicalJsonSchema } from '../../src/schema';
import { toOpenAIStrictSchema } from '../../src/schema/openai-strict';
import { makeRequests, MODEL, User } from '../lib/requests';
const N = 50000;
const strict = toOpenAIStrictSchema(toCanonicalJsonSchema(User, 'User'));
const engine = new BatchEngine({ faults: { validatingMs: 0, processingMs: 0, finalizingMs: 0 } });
for (let r = 0; r < 3; r++) {
  // as the emulator parses them: each line has its own schema object
  const items: EmulatedItem[] = makeRequests(N).map((q) => ({ customId: q.customId, messages: q.messages, jsonSchema: JSON.parse(JSON.stringify(strict)), maxTokens: 150 }));
  const batch = engine.create('openai', { idPrefix: 'batch_', tag: `x/a1/c${r}`, model: MODEL, items, meta: { endpoint: '/v1/chat/completions', input_file_id: 'f', completion_window: '24h', metadata: null } });
  let t0 = performance.now();
  engine.results(batch);
  const tr = performance.now() - t0; t0 = performance.now();
  ensureResultFiles(engine, batch, new Map());
  const tf = performance.now() - t0; t0 = performance.now();
  for (let i = 0; i < 5; i++) batchObject(engine, batch);
  console.log('results', tr.toFixed(0), 'files', tf.toFixed(0), '5x batchObject', (performance.now() - t0).toFixed(0));
}
