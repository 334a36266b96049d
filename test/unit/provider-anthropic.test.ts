/**
 * The Anthropic adapter against the emulator (official SDK on the wire): request encoding, state
 * normalisation, results, and find-before-create without metadata (memory, search, sentinel).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches';
import { startEmulator, type Emulator } from '../../src/emulator';
import { createAnthropicAdapter, AnthropicBatchMismatchError } from '../../src/providers/anthropic';
import { verifiedResults } from '../../src/providers/anthropic-adopt';
import { DEFAULT_MAX_TOKENS, sharedParams, toBatchRequest } from '../../src/providers/anthropic-request';
import { SENTINEL_PREFIX, sentinelId, sentinelRequest } from '../../src/providers/anthropic-sentinel';
import { readResultLine } from '../../src/providers/anthropic-results';
import { toProviderStatus } from '../../src/providers/anthropic-status';
import type { ChunkSpec, ProviderAdapter, RawItemResult } from '../../src/providers/types';
import { SchemaConversionError } from '../../src/schema/to-json-schema';
import type { PreparedRequest } from '../../src/types';
import { collect, firstTry, idIndex, personChunk, resultsArgs, settle, userRequest } from '../helpers/adapter-fixtures';
import { resultsRewritingProxy } from '../helpers/http-stubs';

const FAULTS = { validatingMs: 10, processingMs: 50, finalizingMs: 5, cancellingMs: 20 };
const SCHEMA = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  required: ['name', 'address'],
};

let emu: Emulator;
let adapter: ProviderAdapter;
const fresh = () => createAnthropicAdapter({ apiKey: 'k', baseURL: emu.url }, { maxRetries: 0 });

before(async () => {
  emu = await startEmulator({ port: 0, faults: FAULTS });
});
after(() => emu.close());
beforeEach(() => {
  emu.reset();
  adapter = fresh();
});

const req = (customId: string, text = `${customId}: Alice Smith lives in Paris`) => userRequest(customId, text);

const chunk = (tag: string, requests: PreparedRequest[], params: ChunkSpec['params'] = { maxTokens: 300 }) =>
  personChunk('claude-test', tag, requests, params, SCHEMA);

const NOW = firstTry;

describe('Anthropic adapter: requests', () => {
  it('lifts EVERY system message into `system`, joined, and keeps the turns in order', () => {
    const request: PreparedRequest = {
      customId: 'r1',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Hi' },
        { role: 'system', content: 'Answer in JSON.' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Alice?' },
      ],
    };
    const built = toBatchRequest(request, sharedParams(chunk('t', [request], { temperature: 0.2 })));
    assert.equal(built.custom_id, 'r1');
    assert.equal(built.params.system, 'You are terse.\n\nAnswer in JSON.');
    assert.deepEqual(built.params.messages, [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: 'Alice?' },
    ]);
    assert.equal(built.params.max_tokens, DEFAULT_MAX_TOKENS, 'max_tokens is required: a default applies');
    assert.equal('temperature' in built.params, false, 'API 2026-10-21 rejects sampling params, even defaults');
  });

  it('asks for native JSON output with the schema adapted to Anthropic', () => {
    const params = sharedParams(chunk('t', [], { maxTokens: 77 }));
    assert.equal(params.max_tokens, 77);
    const format = params.output_config?.format;
    assert.equal(format?.type, 'json_schema');
    const schema = format!.schema as Record<string, any>;
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.properties.address.additionalProperties, false, 'nested objects too');
    assert.equal(schema.properties.name.minLength, undefined, 'unsupported keyword removed...');
    assert.match(schema.properties.name.description, /minLength: 1/, '...and kept as a hint');
    assert.equal(SCHEMA.properties.name.minLength, 1, 'the canonical schema is not mutated');
  });

  it('refuses record schemas, which Anthropic cannot express', () => {
    const records = { type: 'object', properties: { tags: { type: 'object', additionalProperties: { type: 'string' } } } };
    const c = { ...chunk('t', []), output: { name: 'r', jsonSchema: records } };
    assert.throws(() => adapter.requestSize(req('a'), c), SchemaConversionError);
  });

  it('checks custom IDs against ^[a-zA-Z0-9_-]{1,64}$ with a message that says what is allowed', () => {
    assert.equal(adapter.checkCustomId('Req_1-a'), undefined);
    assert.equal(adapter.checkCustomId('x'.repeat(64)), undefined);
    assert.match(adapter.checkCustomId('x'.repeat(65)) ?? '', /1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'/);
    assert.ok(adapter.checkCustomId('has space'));
    assert.ok(adapter.checkCustomId(''));
    assert.ok(adapter.checkCustomId('ünïcode'));
  });

  it('measures request size in UTF-8 bytes of the encoded request', () => {
    const c = chunk('t', []);
    const ascii = req('a', 'plain');
    const accented = req('a', 'ééééé');
    const expected = Buffer.byteLength(JSON.stringify(toBatchRequest(accented, sharedParams(c)))) + 1;
    assert.equal(adapter.requestSize(accented, c), expected);
    assert.equal(adapter.requestSize(accented, c) - adapter.requestSize(ascii, c), 5, 'two bytes per é');
  });

  it('keeps a request slot and some bytes free for the sentinel', () => {
    assert.equal(adapter.limits.maxRequests, 99_999);
    assert.ok(adapter.limits.maxBytes < 256_000_000);
  });
});

describe('Anthropic adapter: state normalisation', () => {
  const batch = (
    status: MessageBatch['processing_status'],
    counts: Partial<MessageBatch['request_counts']>,
    cancel = false,
  ): MessageBatch => ({
    id: 'msgbatch_x',
    type: 'message_batch',
    processing_status: status,
    request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0, ...counts },
    created_at: new Date().toISOString(),
    expires_at: new Date().toISOString(),
    ended_at: null,
    cancel_initiated_at: cancel ? new Date().toISOString() : null,
    archived_at: null,
    results_url: null,
  });

  it('maps processing states and leaves counts at 0 while processing', () => {
    assert.deepEqual(toProviderStatus(batch('in_progress', { processing: 4 })), {
      state: 'in_progress',
      providerStatus: 'in_progress',
      counts: { total: 3, succeeded: 0, failed: 0 },
    });
    assert.equal(toProviderStatus(batch('canceling', { processing: 4 }, true)).state, 'cancelling');
  });

  it('ended: all canceled -> cancelled; all succeeded -> completed; errored -> completed; expired -> expired', () => {
    assert.equal(toProviderStatus(batch('ended', { canceled: 4 })).state, 'cancelled');
    assert.equal(toProviderStatus(batch('ended', { succeeded: 2, canceled: 2 }, true)).state, 'cancelled');
    const done = toProviderStatus(batch('ended', { succeeded: 4 }));
    assert.equal(done.state, 'completed');
    assert.deepEqual(done.counts, { total: 3, succeeded: 3, failed: 0 }, 'the sentinel is taken out');
    assert.equal(toProviderStatus(batch('ended', { succeeded: 1, errored: 3 })).state, 'completed');
    assert.equal(toProviderStatus(batch('ended', { errored: 4 })).state, 'completed', 'item errors are data');
    assert.equal(toProviderStatus(batch('ended', { succeeded: 2, expired: 2 })).state, 'expired');
    assert.equal(toProviderStatus(batch('ended', { expired: 4 })).state, 'expired');
  });

  it('ended: decided by the items without the sentinel, before the cancel flag', () => {
    assert.equal(toProviderStatus(batch('ended', { succeeded: 4 }, true)).state, 'completed', 'a cancel too late to stop anything');
    assert.equal(
      toProviderStatus(batch('ended', { succeeded: 1, canceled: 3 })).state,
      'cancelled',
      'every item canceled, the sentinel answered',
    );
    assert.deepEqual(toProviderStatus(batch('ended', { canceled: 4 }, true)).counts, { total: 3, succeeded: 0, failed: 3 });
    assert.equal(
      toProviderStatus(batch('ended', { succeeded: 2, canceled: 1, expired: 1 }, true)).state,
      'cancelled',
      'mixed, after a cancel',
    );
    assert.equal(toProviderStatus(batch('ended', { succeeded: 2, canceled: 1, expired: 1 })).state, 'expired', 'mixed, no cancel');
  });
});

describe('Anthropic adapter: against the emulator', () => {
  it('submits, polls to completed and yields every item (never the sentinel)', async () => {
    const requests = [
      {
        customId: 'r1',
        messages: [
          { role: 'system' as const, content: 'A' },
          { role: 'system' as const, content: 'B' },
          { role: 'user' as const, content: 'Alice Smith' },
        ],
      },
      req('r2'),
      req('r3'),
    ];
    const { batchId, reused } = await adapter.submit(chunk('job-1:a1:c1', requests), NOW());
    assert.equal(reused, false);
    const batch = emu.engine.get(batchId)!;
    assert.equal(batch.items.length, 4, 'three requests plus the sentinel');
    assert.ok(batch.items[0].customId.startsWith(SENTINEL_PREFIX));
    assert.deepEqual(batch.items[1].messages[0], { role: 'system', content: 'A\n\nB' });
    assert.equal((batch.items[1].jsonSchema as Record<string, any>).properties.address.additionalProperties, false);

    assert.equal((await adapter.status(batchId)).state, 'in_progress');
    const status = await settle(adapter, batchId);
    assert.deepEqual(status, { state: 'completed', providerStatus: 'ended', counts: { total: 3, succeeded: 3, failed: 0 } });

    const items = await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 'job-1:a1:c1' }));
    assert.deepEqual(
      items.map((i) => i.customId),
      ['r1', 'r2', 'r3'],
    );
    for (const item of items) {
      assert.equal(item.kind, 'message');
      if (item.kind !== 'message') continue;
      assert.equal(item.finishReason, 'stop');
      assert.deepEqual(Object.keys(JSON.parse(item.text!)).sort(), ['address', 'name']);
      assert.ok(item.usage && item.usage.inputTokens > 0 && item.usage.outputTokens > 0);
    }
  });

  it('maps errored, refused and truncated items', async () => {
    emu.configure({
      itemFaults: [
        { match: 'err', fault: 'error' },
        { match: 'ref', fault: 'refusal' },
        { match: 'cut', fault: 'truncated' },
      ],
    });
    const requests = [req('err'), req('ref'), req('cut')];
    const { batchId } = await adapter.submit(chunk('t-faults', requests), NOW());
    await settle(adapter, batchId);
    const byId = Object.fromEntries(
      (await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 't-faults' }))).map((i) => [i.customId, i]),
    );
    assert.deepEqual(
      {
        kind: byId.err.kind,
        errorType: byId.err.kind === 'error' && byId.err.errorType,
        retryable: byId.err.kind === 'error' && byId.err.retryable,
      },
      { kind: 'error', errorType: 'provider_error', retryable: true },
    );
    assert.match(byId.err.kind === 'error' ? byId.err.message : '', /^api_error: /);
    assert.equal(byId.ref.kind === 'message' && byId.ref.finishReason, 'refusal');
    assert.ok(byId.ref.kind === 'message' && byId.ref.refusal);
    assert.equal(byId.cut.kind === 'message' && byId.cut.finishReason, 'length');
  });

  it('cancel: cancelling, then cancelled with every unfinished item a non-retryable cancelled error', async () => {
    emu.configure({ processingMs: 10_000 });
    const requests = [req('c1'), req('c2')];
    const { batchId } = await adapter.submit(chunk('t-cancel', requests), NOW());
    await adapter.cancel(batchId);
    assert.equal((await adapter.status(batchId)).state, 'cancelling');
    assert.equal((await settle(adapter, batchId)).state, 'cancelled');
    await adapter.cancel(batchId); // ended: no call, no error
    const items = await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 't-cancel' }));
    assert.deepEqual(
      items.map((i) => (i.kind === 'error' ? [i.errorType, i.retryable] : i.kind)),
      [
        ['cancelled', false],
        ['cancelled', false],
      ],
    );
  });

  it('expiry: state expired; finished items come back, the rest as retryable expired errors', async () => {
    emu.configure({ expire: true });
    const requests = [req('x1'), req('x2'), req('x3')];
    const { batchId } = await adapter.submit(chunk('t-expire', requests), NOW());
    assert.equal((await settle(adapter, batchId)).state, 'expired');
    const items = await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 't-expire' }));
    assert.equal(items.length, 3);
    const expired = items.filter((i) => i.kind === 'error' && i.errorType === 'expired' && i.retryable);
    assert.equal(expired.length, 2, 'sentinel + x1 finished (first half of 4), x2 and x3 expired');
  });

  it('yields nothing for items the provider never reported (the caller accounts for them)', async () => {
    const requests = [req('m1'), req('m2'), req('m3')];
    const { batchId } = await adapter.submit(chunk('t-missing', requests), NOW());
    await settle(adapter, batchId);
    const batch = emu.engine.get(batchId)!;
    const cached = emu.engine.results(batch)!;
    cached.splice(
      cached.findIndex((r) => r.customId === 'm2'),
      1,
    ); // the provider "loses" m2
    const items = await collect(adapter.results(batchId, { ids: idIndex(requests), tag: 't-missing' }));
    assert.deepEqual(
      items.map((i) => i.customId),
      ['m1', 'm3'],
    );
  });

  it('retries a 429 on create (nothing was created) and makes one batch', async () => {
    emu.configure({ httpErrors: { status: 429, count: 2 } });
    const { batchId } = await adapter.submit(chunk('t-429', [req('a')]), NOW());
    assert.ok(batchId);
    assert.equal(emu.stats().batchesCreated, 1);
  });
});

describe('Anthropic adapter: find-before-create', () => {
  it('submit twice with isRetry -> one batch (same process, and a fresh process)', async () => {
    const c = chunk('job-2:a1:c1', [req('a'), req('b')]);
    const ctx = { firstTryAtMs: Date.now(), isRetry: true };
    const first = await adapter.submit(c, ctx);
    assert.equal(first.reused, false, 'nothing to adopt yet');
    const again = await adapter.submit(c, ctx);
    assert.deepEqual(again, { batchId: first.batchId, reused: true, proof: first.proof });
    const elsewhere = await fresh().submit(c, ctx);
    assert.deepEqual(elsewhere, { batchId: first.batchId, reused: true, proof: first.proof }, 'found by the provider-side search');
    assert.equal(emu.stats().batchesCreated, 1);
  });

  it('a retry that starts while the first try is still creating waits for it', async () => {
    emu.configure({ createDelayMs: 100 });
    const c = chunk('job-3:a1:c1', [req('a')]);
    const firstTryAtMs = Date.now();
    const [one, two] = await Promise.all([
      adapter.submit(c, { firstTryAtMs, isRetry: false }),
      adapter.submit(c, { firstTryAtMs, isRetry: true }),
    ]);
    assert.equal(one.batchId, two.batchId);
    assert.equal(emu.stats().batchesCreated, 1);
  });

  it('adopts the orphan of a try that crashed after Anthropic created the batch', async () => {
    emu.configure({ createDelayMs: 150, processingMs: 300 });
    const c = chunk('job-4:a1:c1', [req('a'), req('b')]);
    const firstTryAtMs = Date.now();
    const crashed = fresh().submit(c, { firstTryAtMs, isRetry: false }); // its answer is "lost"
    while (emu.stats().batchesCreated === 0) await new Promise((r) => setTimeout(r, 2)); // it reached the provider
    emu.configure({ createDelayMs: 0 });
    const retry = await fresh().submit(c, { firstTryAtMs, isRetry: true });
    assert.equal(retry.reused, true);
    assert.equal((await crashed).batchId, retry.batchId);
    assert.equal(emu.stats().batchesCreated, 1);
    await settle(adapter, retry.batchId);
    assert.equal((await collect(adapter.results(retry.batchId, resultsArgs(c)))).length, 2);
  });

  it('never records a wrongly adopted batch: same size, other content -> AnthropicBatchMismatchError, nothing yielded', async () => {
    emu.configure({ processingMs: 100 });
    const firstTryAtMs = Date.now();
    // Another job's chunk of the same size, even with the same default custom IDs, lands in the window.
    const other = chunk('job-other:a1:c1', [req('request-0', 'Bob'), req('request-1', 'Carol')]);
    const stranger = await fresh().submit(other, NOW());
    // This chunk's first try never reached Anthropic; its retry (in a fresh process) finds the stranger.
    const mine = chunk('job-5:a1:c1', [req('request-0', 'Dave'), req('request-1', 'Erin')]);
    const retrier = fresh();
    const adopted = await retrier.submit(mine, { firstTryAtMs, isRetry: true });
    assert.deepEqual(
      { ...adopted, proof: undefined },
      { batchId: stranger.batchId, reused: true, proof: undefined },
      'a running candidate is adopted on trust',
    );
    await settle(retrier, adopted.batchId);
    const seen: RawItemResult[] = [];
    await assert.rejects(
      (async () => {
        for await (const batch of retrier.results(adopted.batchId, resultsArgs(mine))) seen.push(...batch);
      })(),
      AnthropicBatchMismatchError,
    );
    assert.equal(seen.length, 0, 'not one foreign answer reached the caller');
    // Submitting again (same process, same tag): the stranger is neither remembered nor, being ended
    // and proven foreign, adopted again; a new batch is created.
    const again = await retrier.submit(mine, { firstTryAtMs, isRetry: true });
    assert.equal(again.reused, false);
    assert.notEqual(again.batchId, stranger.batchId);
    await settle(retrier, again.batchId);
    assert.deepEqual(
      (await collect(retrier.results(again.batchId, resultsArgs(mine)))).map((i) => i.customId),
      ['request-0', 'request-1'],
    );
    // And the stranger's own results are still its own.
    assert.equal((await collect(adapter.results(stranger.batchId, resultsArgs(other)))).length, 2);
  });

  it('prefers the running batch created after the first try began over a same-sized sibling from just before', async () => {
    emu.configure({ processingMs: 2000 });
    const sibling = await fresh().submit(chunk('job-7:a1:c0', [req('s1'), req('s2')]), NOW());
    await new Promise((r) => setTimeout(r, 20));
    const firstTryAtMs = Date.now();
    const mine = chunk('job-7:a1:c1', [req('m1'), req('m2')]);
    const orphan = await fresh().submit(mine, { firstTryAtMs, isRetry: false }); // its answer is "lost"
    const retry = await fresh().submit(mine, { firstTryAtMs, isRetry: true });
    assert.deepEqual(retry, { batchId: orphan.batchId, reused: true, proof: orphan.proof });
    assert.notEqual(retry.batchId, sibling.batchId);
    assert.equal(emu.stats().batchesCreated, 2);
  });

  it('only looks back to the first try (minus 60 s) and ignores other sizes and cancelled batches', async () => {
    const c = chunk('job-6:a1:c1', [req('a'), req('b')]);
    const other = await fresh().submit(chunk('x', [req('only-one')]), NOW());
    const cancelled = await fresh().submit(chunk('y', [req('y1'), req('y2')]), NOW());
    await adapter.cancel(cancelled.batchId);
    const result = await fresh().submit(c, { firstTryAtMs: Date.now(), isRetry: true });
    assert.equal(result.reused, false);
    assert.notEqual(result.batchId, other.batchId);
    assert.notEqual(result.batchId, cancelled.batchId);
    const late = await fresh().submit(chunk('z', [req('z1'), req('z2')]), { firstTryAtMs: Date.now() + 10 * 60_000, isRetry: true });
    assert.equal(late.reused, false, 'batches older than the window are not candidates');
  });
});

describe('Anthropic adapter: verified results', () => {
  it('holds lines until the sentinel shows up, and re-reads when it shows up late (bounded memory)', async () => {
    const client = new Anthropic({ apiKey: 'k', baseURL: emu.url, maxRetries: 0 });
    const requests = [req('v1'), req('v2'), req('v3')];
    const shared = sharedParams(chunk('t', requests));
    // The sentinel last: results come back in request order in the emulator.
    const created = await client.messages.batches.create({
      requests: [...requests.map((r) => toBatchRequest(r, shared)), sentinelRequest('t', 'claude-test')],
    });
    await settle(adapter, created.id);
    for (const maxHeld of [10, 1]) {
      const ids: string[] = [];
      for await (const lines of verifiedResults(client, created.id, idIndex(requests), sentinelId('t'), maxHeld))
        ids.push(...lines.map((l) => l.customId));
      assert.deepEqual(ids, ['v1', 'v2', 'v3'], `maxHeld ${maxHeld}: each item once, no sentinel`);
    }
    const ids: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const lines of verifiedResults(client, created.id, idIndex(requests), sentinelId('another submission'), 1))
          ids.push(...lines.map((l) => l.customId));
      })(),
      AnthropicBatchMismatchError,
    );
    assert.deepEqual(ids, [], 'no sentinel: nothing yielded');
  });

  it('the sentinel is unique per submission tag and a valid custom ID', () => {
    assert.equal(sentinelId('job/a1/c0'), sentinelId('job/a1/c0'));
    assert.notEqual(sentinelId('job/a1/c0'), sentinelId('job/a2/c0'));
    assert.match(sentinelId('job/a1/c0'), /^[a-zA-Z0-9_-]{1,64}$/);
  });
});

describe('Anthropic adapter: broken result lines', () => {
  const kindOf = (r: RawItemResult | undefined) => r && [r.customId, r.kind === 'error' ? r.errorType : r.kind];

  it("a line that is not JSON, or JSON that is not a result, is its item's invalid_json; one that names no item is nothing", () => {
    const ok = readResultLine(JSON.stringify({ custom_id: 'a', result: { type: 'canceled' } }));
    assert.deepEqual(kindOf(ok), ['a', 'cancelled']);
    const truncated = readResultLine('{"custom_id":"item-\\"7\\"","result":{"type":"succeeded","message":{"id":"msg_1","cont');
    assert.deepEqual(kindOf(truncated), ['item-"7"', 'invalid_json']);
    assert.equal(truncated?.kind === 'error' && truncated.retryable, true, 'the next try may get a whole line');
    assert.match(truncated?.kind === 'error' ? truncated.message : '', /not valid JSON/);
    for (const [line, why] of [
      ['{"custom_id":"b"}', /has no result/],
      ['{"custom_id":"b","result":null}', /has no result/],
      ['{"custom_id":"b","result":{"type":"vanished"}}', /unknown type "vanished"/],
      ['{"custom_id":"b","result":{"type":"succeeded"}}', /without message content/],
      ['{"custom_id":"b","result":{"type":"succeeded","message":{"content":[null]}}}', /without message content/],
    ] as const) {
      const read = readResultLine(line);
      assert.deepEqual(kindOf(read), ['b', 'invalid_json'], line);
      assert.match(read?.kind === 'error' ? read.message : '', why);
    }
    // Nothing to attribute it to: dropped, like OpenAI's and Gemini's (the item ends as "no result").
    for (const line of [
      'garbage without any id',
      '{"result":{"type":"canceled"}}',
      '{"custom_id":7,"result":{"type":"canceled"}}',
      'null',
      '[]',
    ]) {
      assert.equal(readResultLine(line), undefined, line);
    }
  });

  it('reads a succeeded line without usage (an answer is still an answer)', () => {
    const read = readResultLine(
      JSON.stringify({
        custom_id: 'u',
        result: { type: 'succeeded', message: { content: [{ type: 'text', text: '{}' }], stop_reason: 'end_turn' } },
      }),
    );
    assert.deepEqual(read, { customId: 'u', kind: 'message', text: '{}', finishReason: 'stop' });
  });

  /** The line cut off just after its custom_id, in the middle of its result. */
  const cut = (line: string) => line.slice(0, line.indexOf('"result"') + 15);

  /** A finished batch of `ids`, its results read through a proxy that rewrites each line of the results file, then appends `extra`. */
  async function readThrough(ids: string[], rewrite: (line: string) => string, extra = '') {
    const requests = ids.map((id) => req(id));
    const c = chunk(`t-broken-${ids.join('-')}`, requests);
    const { batchId, proof } = await adapter.submit(c, NOW());
    await settle(adapter, batchId);
    let rewritten = 0;
    const rewriteLine = (line: string) => {
      const out = line ? rewrite(line) : line;
      if (out !== line) rewritten += 1;
      return out;
    };
    const proxy = await resultsRewritingProxy(emu.url, (body) => body.split('\n').map(rewriteLine).join('\n') + extra);
    try {
      let lines = 0;
      const through = createAnthropicAdapter({ apiKey: 'k', baseURL: proxy.url }, { maxRetries: 0 });
      const items = await collect(
        through.results(batchId, { ids: idIndex(requests), tag: c.tag, ...(proof && { proof }), onLine: () => (lines += 1) }),
      );
      return { items, lines, rewritten };
    } finally {
      await proxy.close();
    }
  }

  it("against the emulator: broken lines end as their items' invalid_json, the rest as answered; no failed fetch", async () => {
    const { items, lines } = await readThrough(
      ['b1', 'b2', 'b3', 'b4'],
      (line) =>
        line.includes('"custom_id":"b2"') ? cut(line) : line.includes('"custom_id":"b3"') ? '{"custom_id":"b3","result":null}' : line,
      'garbage without an id\n{"result":{"type":"succeeded"}}\n',
    );
    assert.deepEqual(items.map(kindOf), [
      ['b1', 'message'],
      ['b2', 'invalid_json'],
      ['b3', 'invalid_json'],
      ['b4', 'message'],
    ]);
    assert.equal(lines, 7, 'every line counts as progress: the sentinel, four items, two unattributable');
  });

  it('a broken line still counts by the custom_id it shows: a truncated sentinel proves the batch, a truncated foreign line disproves it', async () => {
    const proven = await readThrough(['s1', 's2'], (line) => (line.includes(SENTINEL_PREFIX) ? cut(line) : line));
    assert.equal(proven.rewritten, 1, 'the sentinel line was cut');
    assert.deepEqual(proven.items.map(kindOf), [
      ['s1', 'message'],
      ['s2', 'message'],
    ]);
    await assert.rejects(
      readThrough(['f1'], (line) => line, '{"custom_id":"someone-else","result":{"type":"succ\n'),
      AnthropicBatchMismatchError,
    );
  });
});
