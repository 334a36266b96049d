/**
 * The Gemini adapter against the emulator (official @google/genai on the wire): request encoding,
 * inline vs uploaded-file batches, state normalisation, results, find-before-create by displayName.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../../src/emulator';
import { createGeminiAdapter, type GeminiAdapterOptions } from '../../src/providers/gemini';
import { generationConfig, inputLine, toInlinedRequest, toWireRequest } from '../../src/providers/gemini-request';
import { decodeError, decodeResponse } from '../../src/providers/gemini-results';
import { toBatchState, toProviderStatus } from '../../src/providers/gemini-status';
import type { ChunkSpec, ProviderAdapter } from '../../src/providers/types';
import type { PreparedRequest } from '../../src/types';
import { collect, firstTry, idIndex, PERSON_SCHEMA, personChunk, settle, userRequest } from '../helpers/adapter-fixtures';

const FAULTS = { validatingMs: 10, processingMs: 50, finalizingMs: 5, cancellingMs: 20 };
const SCHEMA = PERSON_SCHEMA;

let emu: Emulator;
let adapter: ProviderAdapter;
const fresh = (options: GeminiAdapterOptions = {}) => createGeminiAdapter({ apiKey: 'k', baseURL: emu.url }, { attempts: 1, ...options });

before(async () => {
  emu = await startEmulator({ port: 0, faults: FAULTS });
});
after(() => emu.close());
beforeEach(() => {
  emu.reset();
  adapter = fresh();
});

const req = (customId: string, text = `${customId}: Alice Smith is 33`) => userRequest(customId, text);

const chunk = (tag: string, requests: PreparedRequest[], params: ChunkSpec['params'] = { maxTokens: 300, temperature: 0 }) =>
  personChunk('gemini-test', tag, requests, params);

const NOW = firstTry;
const engineBatch = (batchId: string) => emu.engine.get(batchId.replace(/^batches\//, ''))!;

const MIXED: PreparedRequest = {
  customId: 'mixed',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'Hi' },
    { role: 'system', content: 'Answer in JSON.' },
    { role: 'assistant', content: 'Hello' },
    { role: 'user', content: 'Alice?' },
  ],
};

describe('Gemini adapter: requests', () => {
  it('joins every system message into systemInstruction; user -> user, assistant -> model', () => {
    const wire = toWireRequest(MIXED, generationConfig(chunk('t', [MIXED])));
    assert.deepEqual(wire.systemInstruction, { parts: [{ text: 'You are terse.\n\nAnswer in JSON.' }] });
    assert.deepEqual(
      wire.contents.map((c) => [c.role, c.parts[0].text]),
      [
        ['user', 'Hi'],
        ['model', 'Hello'],
        ['user', 'Alice?'],
      ],
    );
    assert.deepEqual(wire.generationConfig, {
      responseMimeType: 'application/json',
      responseJsonSchema: SCHEMA,
      maxOutputTokens: 300,
      temperature: 0,
    });
    assert.deepEqual(JSON.parse(inputLine(MIXED, wire.generationConfig)), { key: 'mixed', request: wire });
  });

  it('builds SDK inlined requests that carry the key in metadata', () => {
    const inlined = toInlinedRequest(MIXED, generationConfig(chunk('t', [MIXED], {})));
    assert.deepEqual(inlined.metadata, { key: 'mixed' });
    assert.equal(inlined.config?.responseMimeType, 'application/json');
    assert.deepEqual(inlined.config?.responseJsonSchema, SCHEMA);
    assert.equal(inlined.config?.maxOutputTokens, undefined);
  });

  it('accepts any non-empty key up to 512 characters', () => {
    assert.equal(adapter.checkCustomId('any key: ü/ok'), undefined);
    assert.equal(adapter.checkCustomId('x'.repeat(512)), undefined);
    assert.ok(adapter.checkCustomId(''));
    assert.ok(adapter.checkCustomId('x'.repeat(513)));
  });

  it('measures request size in UTF-8 bytes of the JSONL line', () => {
    const c = chunk('t', []);
    assert.equal(adapter.requestSize(req('a', 'ééé'), c), Buffer.byteLength(inputLine(req('a', 'ééé'), generationConfig(c))));
    assert.equal(adapter.requestSize(req('a', 'ééé'), c) - adapter.requestSize(req('a', 'eee'), c), 3);
  });
});

describe('Gemini adapter: state normalisation and decoding', () => {
  it('maps both spellings of every state; unknown words keep polling', () => {
    const cases: Array<[string, string]> = [
      ['BATCH_STATE_PENDING', 'validating'],
      ['JOB_STATE_PENDING', 'validating'],
      ['JOB_STATE_QUEUED', 'validating'],
      ['BATCH_STATE_RUNNING', 'in_progress'],
      ['JOB_STATE_CANCELLING', 'cancelling'],
      ['BATCH_STATE_SUCCEEDED', 'completed'],
      ['JOB_STATE_PARTIALLY_SUCCEEDED', 'completed'],
      ['BATCH_STATE_FAILED', 'failed'],
      ['BATCH_STATE_CANCELLED', 'cancelled'],
      ['JOB_STATE_EXPIRED', 'expired'],
      ['JOB_STATE_PAUSED', 'in_progress'],
      ['SOMETHING_NEW', 'in_progress'],
    ];
    for (const [word, state] of cases) assert.equal(toBatchState(word), state, word);
    assert.deepEqual(toProviderStatus({ metadata: { state: 'SOMETHING_NEW' } }), {
      state: 'in_progress',
      providerStatus: 'SOMETHING_NEW',
      counts: { total: 0, succeeded: 0, failed: 0 },
    });
  });

  it('decodes refusals, truncation, thoughts and usage', () => {
    const blocked = decodeResponse('a', { promptFeedback: { blockReason: 'SAFETY' } });
    assert.equal(blocked.kind === 'message' && blocked.finishReason, 'refusal');
    assert.equal(blocked.kind === 'message' && blocked.text, null);
    const recited = decodeResponse('b', { candidates: [{ finishReason: 'RECITATION' }] });
    assert.equal(recited.kind === 'message' && recited.finishReason, 'refusal');
    const long = decodeResponse('c', {
      candidates: [
        { content: { parts: [{ text: 'thinking…', thought: true }, { text: '{"a":' }, { text: '1}' }] }, finishReason: 'MAX_TOKENS' },
      ],
      usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 4, thoughtsTokenCount: 6 },
    });
    assert.deepEqual(long, {
      customId: 'c',
      kind: 'message',
      text: '{"a":1}',
      finishReason: 'length',
      usage: { inputTokens: 10, outputTokens: 10 },
    });
    assert.equal(decodeResponse('d', { candidates: [{ finishReason: 'OTHER' }] }).kind === 'message' && 'other', 'other');
  });

  it('decodes errors: INVALID_ARGUMENT is permanent, INTERNAL retryable, CANCELLED its own type', () => {
    assert.deepEqual(decodeError('a', { code: 3, message: 'bad', status: 'INVALID_ARGUMENT' }), {
      customId: 'a',
      kind: 'error',
      errorType: 'provider_error',
      message: 'INVALID_ARGUMENT: bad',
      retryable: false,
    });
    const internal = decodeError('b', { code: 13, message: 'oops' });
    assert.equal(internal.kind === 'error' && internal.retryable, true);
    const cancelled = decodeError('c', { code: 1, message: 'stop' });
    assert.equal(cancelled.kind === 'error' && cancelled.errorType, 'cancelled');
  });
});

describe('Gemini adapter: against the emulator', () => {
  it('submits inline, polls PENDING -> SUCCEEDED, counts from batchStats, yields every item', async () => {
    emu.configure({ validatingMs: 200 });
    const requests = [MIXED, req('r2'), req('r3')];
    const { batchId, reused } = await adapter.submit(chunk('job-1:a1:c1', requests), NOW());
    assert.equal(reused, false);
    assert.match(batchId, /^batches\//);
    const batch = engineBatch(batchId);
    assert.equal((batch.meta as { inputFileName?: string }).inputFileName, undefined, 'small chunks go inline');
    assert.equal(batch.tag, 'job-1:a1:c1', 'displayName = tag');
    assert.deepEqual(batch.items[0].messages.slice(0, 2), [
      { role: 'system', content: 'You are terse.\n\nAnswer in JSON.' },
      { role: 'user', content: 'Hi' },
    ]);
    assert.deepEqual(batch.items[0].messages[2], { role: 'assistant', content: 'Hello' });

    const first = await adapter.status(batchId);
    assert.equal(first.state, 'validating');
    assert.equal(first.providerStatus, 'BATCH_STATE_PENDING');
    const status = await settle(adapter, batchId);
    assert.deepEqual(status, {
      state: 'completed',
      providerStatus: 'BATCH_STATE_SUCCEEDED',
      counts: { total: 3, succeeded: 3, failed: 0 },
    });

    const items = await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 'job-1:a1:c1' }));
    assert.deepEqual(
      items.map((i) => i.customId),
      ['mixed', 'r2', 'r3'],
    );
    for (const item of items) {
      assert.equal(item.kind === 'message' && item.finishReason, 'stop');
      if (item.kind === 'message') assert.deepEqual(Object.keys(JSON.parse(item.text!)).sort(), ['age', 'name']);
      assert.ok(item.kind === 'message' && item.usage && item.usage.inputTokens > 0);
    }
  });

  it('uploads big chunks as an in-memory JSONL file and reads the responses file back', async () => {
    const big = fresh({ inlineMaxBytes: 300 });
    const requests = [req('f1'), req('f2'), req('f3')];
    const { batchId } = await big.submit(chunk('job-1:a1:c2', requests), NOW());
    const input = (engineBatch(batchId).meta as { inputFileName?: string }).inputFileName;
    assert.match(input ?? '', /^files\//, 'created from an uploaded file');
    const uploaded = emu.engine.getFile(input!.replace('files/', ''))!;
    assert.equal(uploaded.mimeType, 'application/jsonl');
    assert.equal(uploaded.filename, 'job-1:a1:c2');
    const lines = new TextDecoder()
      .decode(uploaded.bytes)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.key),
      ['f1', 'f2', 'f3'],
    );
    assert.equal(lines[0].request.generationConfig.responseMimeType, 'application/json');

    await settle(big, batchId);
    const items = await collect(big.results(batchId, { ids: idIndex(requests), tag: 'job-1:a1:c2' }));
    assert.deepEqual(
      items.map((i) => [i.customId, i.kind]),
      [
        ['f1', 'message'],
        ['f2', 'message'],
        ['f3', 'message'],
      ],
    );
  });

  it('EXPIRED has no results: every item comes back as a retryable expired error', async () => {
    emu.configure({ expire: true });
    const requests = [req('e1'), req('e2'), req('e3')];
    const { batchId } = await adapter.submit(chunk('t-expire', requests), NOW());
    assert.equal((await settle(adapter, batchId)).state, 'expired');
    const items = await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 't-expire' }));
    assert.deepEqual(
      items.map((i) => (i.kind === 'error' ? [i.customId, i.errorType, i.retryable] : i.kind)),
      [
        ['e1', 'expired', true],
        ['e2', 'expired', true],
        ['e3', 'expired', true],
      ],
    );
  });

  it('FAILED: state failed with the reason; no results', async () => {
    emu.configure({ batchFailure: true });
    const requests = [req('x1')];
    const { batchId } = await adapter.submit(chunk('t-fail', requests), NOW());
    const status = await settle(adapter, batchId);
    assert.equal(status.state, 'failed');
    assert.match(status.error ?? '', /failed/);
    assert.deepEqual(await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 't-fail' })), []);
  });

  it('cancel: cancelled, unfinished items as non-retryable cancelled errors; cancelling an ended batch is a no-op', async () => {
    emu.configure({ processingMs: 10_000 });
    const requests = [req('c1'), req('c2')];
    const { batchId } = await adapter.submit(chunk('t-cancel', requests), NOW());
    await adapter.cancel(batchId);
    assert.equal((await settle(adapter, batchId)).state, 'cancelled');
    await adapter.cancel(batchId);
    const items = await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 't-cancel' }));
    assert.deepEqual(
      items.map((i) => (i.kind === 'error' ? [i.errorType, i.retryable] : i.kind)),
      [
        ['cancelled', false],
        ['cancelled', false],
      ],
    );
  });

  it('maps item faults: errors retryable, refusals, truncation', async () => {
    emu.configure({
      itemFaults: [
        { match: 'err', fault: 'error' },
        { match: 'ref', fault: 'refusal' },
        { match: 'cut', fault: 'truncated' },
      ],
    });
    const requests = [req('err'), req('ref'), req('cut')];
    const { batchId } = await adapter.submit(chunk('t-faults', requests), NOW());
    const status = await settle(adapter, batchId);
    assert.deepEqual(status.counts, { total: 3, succeeded: 2, failed: 1 });
    const byId = Object.fromEntries(
      (await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 't-faults' }))).map((i) => [i.customId, i]),
    );
    assert.equal(byId.err.kind === 'error' && byId.err.errorType, 'provider_error');
    assert.equal(byId.err.kind === 'error' && byId.err.retryable, true);
    assert.equal(byId.ref.kind === 'message' && byId.ref.finishReason, 'refusal');
    assert.equal(byId.ref.kind === 'message' && byId.ref.text, null);
    assert.equal(byId.cut.kind === 'message' && byId.cut.finishReason, 'length');
  });

  it('yields nothing for items the provider never reported (the caller accounts for them)', async () => {
    const big = fresh({ inlineMaxBytes: 1 });
    const requests = [req('m1'), req('m2'), req('m3')];
    const { batchId } = await big.submit(chunk('t-missing', requests), NOW());
    await settle(big, batchId); // the status call has the emulator write the responses file
    const fileId = `batch-${batchId.replace('batches/', '')}`;
    const file = emu.engine.getFile(fileId)!;
    const kept = new TextDecoder()
      .decode(file.bytes)
      .split('\n')
      .filter((l) => l && !l.includes('"m2"'))
      .join('\n');
    emu.engine.putFile({ ...file, bytes: new TextEncoder().encode(kept) });
    const items = await collect(big.results(batchId, { ids: idIndex(requests), tag: 't-missing' }));
    assert.deepEqual(
      items.map((i) => i.customId),
      ['m1', 'm3'],
    );
  });

  it('retries a 429 on create (nothing was created) and makes one batch', async () => {
    emu.configure({ httpErrors: { status: 429, count: 1 } });
    await adapter.submit(chunk('t-429', [req('a')]), NOW());
    assert.equal(emu.stats().batchesCreated, 1);
  });
});

describe('Gemini adapter: find-before-create', () => {
  it('submit twice with isRetry -> one batch (same process, and a fresh process)', async () => {
    const c = chunk('job-2:a1:c1', [req('a'), req('b')]);
    const ctx = { firstTryAtMs: Date.now(), isRetry: true };
    const first = await adapter.submit(c, ctx);
    assert.equal(first.reused, false);
    assert.deepEqual(await adapter.submit(c, ctx), { batchId: first.batchId, reused: true });
    assert.deepEqual(await fresh().submit(c, ctx), { batchId: first.batchId, reused: true }, 'found by displayName');
    assert.equal(emu.stats().byTag['job-2:a1:c1'], 1);
  });

  it('adopts the batch of a try whose create answer was lost (another process)', async () => {
    emu.configure({ createDelayMs: 150 });
    const c = chunk('job-3:a1:c1', [req('a')]);
    const firstTryAtMs = Date.now();
    const crashed = fresh().submit(c, { firstTryAtMs, isRetry: false }); // its answer never gets recorded
    while (emu.stats().batchesCreated === 0) await new Promise((r) => setTimeout(r, 2)); // it reached the provider
    emu.configure({ createDelayMs: 0 });
    const retry = await fresh().submit(c, { firstTryAtMs, isRetry: true });
    assert.equal(retry.reused, true);
    assert.equal((await crashed).batchId, retry.batchId);
    assert.equal(emu.stats().byTag['job-3:a1:c1'], 1);
  });

  it('a retry that starts while the first try is still creating waits for it (same process)', async () => {
    emu.configure({ createDelayMs: 100 });
    const c = chunk('job-5:a1:c1', [req('a')]);
    const firstTryAtMs = Date.now();
    const [one, two] = await Promise.all([
      adapter.submit(c, { firstTryAtMs, isRetry: false }),
      adapter.submit(c, { firstTryAtMs, isRetry: true }),
    ]);
    assert.equal(one.batchId, two.batchId);
    assert.equal(two.reused, true);
    assert.equal(emu.stats().batchesCreated, 1);
  });

  it('pages back until a whole page is older than the first try (minus 10 minutes), then stops', async () => {
    const c = chunk('job-4:a1:c1', [req('a')]);
    const mine = await adapter.submit(c, NOW());
    await adapter.submit(chunk('other-1', [req('b')]), NOW());
    await adapter.submit(chunk('other-2', [req('c')]), NOW());
    const found = await fresh({ listPageSize: 1 }).submit(c, { firstTryAtMs: Date.now(), isRetry: true });
    assert.deepEqual(found, { batchId: mine.batchId, reused: true }, 'found on the third page');
    const stopped = await fresh({ listPageSize: 1 }).submit(c, { firstTryAtMs: Date.now() + 60 * 60_000, isRetry: true });
    assert.equal(stopped.reused, false, 'the first page was already older than the window: no further pages');
  });
});
