/**
 * The OpenAI adapter's upload against the emulator: the input file is streamed as it is made
 * (toStreamingFile), byte for byte the JSONL of the chunk, and a streamed body the SDK cannot retry
 * gets a few quick tries of its own on transient failures, never on a refusal.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../../src/emulator';
import { createOpenAIAdapter } from '../../src/providers/openai';
import { inputLine, sharedBody } from '../../src/providers/openai-lines';
import type { PreparedRequest } from '../../src/types';
import { firstTry, personChunk, userRequest } from '../helpers/adapter-fixtures';

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ port: 0, faults: { validatingMs: 10, processingMs: 50, finalizingMs: 5 } });
});
after(() => emu.close());
beforeEach(() => emu.reset());

const adapter = () => createOpenAIAdapter({ apiKey: 'k', baseURL: `${emu.url}/v1` });
// More than one group of lines (1,000), with text that is not ASCII.
const requests: PreparedRequest[] = Array.from({ length: 2_345 }, (_, i) => userRequest(`u-${i}`, `Zoë №${i} is ${20 + (i % 9)} — 🙂`));
const chunk = (tag: string) => personChunk('gpt-4o-mini', tag, requests, { maxTokens: 100 });

function uploadedInput(batchId: string): string {
  const batch = emu.engine.get(batchId)!;
  const fileId = (batch.meta as { input_file_id: string }).input_file_id;
  return new TextDecoder().decode(emu.engine.getFile(fileId)!.bytes);
}

describe('OpenAI adapter: the streamed upload', () => {
  it('sends exactly the chunk JSONL, every line in order', async () => {
    const c = chunk('job-1/a1/c0');
    const { batchId } = await adapter().submit(c, firstTry());
    const body = sharedBody(c);
    assert.equal(uploadedInput(batchId), requests.map((r) => inputLine(r, body)).join(''));
    assert.equal(emu.engine.get(batchId)!.items.length, requests.length);
  });

  it('rides out transient failures of the upload itself (500, 429), uploading again', async () => {
    emu.configure({ httpErrors: { status: 500, count: 1 } });
    const first = await adapter().submit(chunk('job-1/a1/c1'), firstTry());
    emu.configure({ httpErrors: { status: 429, count: 2 } });
    const second = await adapter().submit(chunk('job-1/a1/c2'), firstTry());
    for (const { batchId } of [first, second]) assert.equal(emu.engine.get(batchId)!.items.length, requests.length);
    assert.equal(emu.engine.stats().batchesCreated, 2);
  });

  it('does not try again when the provider refuses the upload (401)', async () => {
    emu.configure({ httpErrors: { status: 401, count: 2 } });
    await assert.rejects(adapter().submit(chunk('job-1/a1/c3'), firstTry()), (err: Error & { status?: number }) => err.status === 401);
    // The second refusal is still waiting: one try was made, not several.
    assert.equal(emu.engine.faults.httpErrors.count, 1);
    assert.equal(emu.engine.stats().batchesCreated, 0);
  });
});
