/**
 * Writes the OpenAI output files of a job's batches as the emulator makes them (its own engine and
 * line writer: real line shapes and sizes, ~5% invalid JSON or schema mismatches), one file per
 * chunk: `<dir>/<prefix>-c<k>.jsonl`. Run as its own process (see results-ingest.ts), so the
 * garbage of making them never inflates the memory figures of the process that reads them.
 *
 *   node --import tsx bench/lib/output-lines.ts <dir> <prefix> <count> <chunk>
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BatchEngine, type EmulatedItem } from '../../src/emulator';
import { resultLine } from '../../src/emulator/openai-wire';
import { toCanonicalJsonSchema } from '../../src/schema';
import { toOpenAIStrictSchema } from '../../src/schema/openai-strict';
import { MODEL, PARAMS, requestFor, User } from './requests';

function main(): void {
  const [dir, prefix, countText, chunkText] = process.argv.slice(2);
  const count = Number(countText);
  const chunk = Number(chunkText);
  const engine = new BatchEngine({
    faults: { validatingMs: 0, processingMs: 0, finalizingMs: 0, invalidJsonRate: 0.025, schemaMismatchRate: 0.025 },
  });
  const strict = toOpenAIStrictSchema(toCanonicalJsonSchema(User, 'User'));
  for (let from = 0, k = 0; from < count; from += chunk, k++) {
    const items: EmulatedItem[] = [];
    for (let i = from; i < Math.min(count, from + chunk); i++) {
      const r = requestFor(i);
      items.push({ customId: r.customId, messages: r.messages, jsonSchema: strict, maxTokens: PARAMS.maxTokens });
    }
    const batch = engine.create('openai', { idPrefix: 'batch_', tag: `${prefix}/a1/c${k}`, model: MODEL, items });
    const lines = engine.results(batch)!.map((result) => JSON.stringify(resultLine(batch, result, batch.createdAtMs).line));
    writeFileSync(join(dir!, `${prefix}-c${k}.jsonl`), `${lines.join('\n')}\n`);
  }
}

main();
