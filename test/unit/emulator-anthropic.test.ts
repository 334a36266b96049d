/**
 * The emulator's Anthropic Message Batches routes, driven by the official SDK (and raw fetch where
 * the SDK cannot show a wire detail: the x-api-key auth style, the error bodies).
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic, { BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import type { BatchCreateParams, MessageBatch, MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { startEmulator, type Emulator } from '../../src/emulator';
import { anthropicTag } from '../../src/emulator/anthropic-wire';

const FAULTS = { validatingMs: 5, processingMs: 30, finalizingMs: 5, cancellingMs: 20 };
const SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
};

let emu: Emulator;
let client: Anthropic;

before(async () => {
  emu = await startEmulator({ faults: FAULTS });
  client = new Anthropic({ apiKey: 'test-key', baseURL: emu.url, maxRetries: 0 });
});
after(() => emu.close());
beforeEach(() => emu.reset());

function request(customId: string, extra: Record<string, unknown> = {}): BatchCreateParams.Request {
  return {
    custom_id: customId,
    params: {
      model: 'claude-test',
      max_tokens: 256,
      messages: [{ role: 'user', content: `${customId}: Alice Smith is 33` }],
      output_config: { format: { type: 'json_schema', schema: SCHEMA } },
      ...extra,
    },
  };
}

async function ended(id: string): Promise<MessageBatch> {
  for (let i = 0; i < 500; i++) {
    const batch = await client.messages.batches.retrieve(id);
    if (batch.processing_status === 'ended') return batch;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`batch ${id} never ended`);
}

async function results(id: string): Promise<MessageBatchIndividualResponse[]> {
  const out: MessageBatchIndividualResponse[] = [];
  for await (const line of await client.messages.batches.results(id)) out.push(line);
  return out;
}

describe('emulator: Anthropic message batches', () => {
  it('creates a batch that keeps every request in processing until it ends, then serves results', async () => {
    const created = await client.messages.batches.create({ requests: [request('r1'), request('r2')] });
    assert.match(created.id, /^msgbatch_/);
    assert.equal(created.type, 'message_batch');
    assert.equal(created.processing_status, 'in_progress');
    assert.deepEqual(created.request_counts, { processing: 2, succeeded: 0, errored: 0, canceled: 0, expired: 0 });
    assert.equal(created.results_url, null);
    assert.equal(created.ended_at, null);
    assert.equal(Date.parse(created.expires_at) - Date.parse(created.created_at), 24 * 3600 * 1000);

    const batch = await ended(created.id);
    assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    assert.equal(batch.results_url, `${emu.url}/v1/messages/batches/${created.id}/results`, 'absolute, at the emulator');
    assert.ok(batch.ended_at);

    const lines = await results(created.id);
    assert.deepEqual(lines.map((l) => l.custom_id).sort(), ['r1', 'r2']);
    const first = lines[0].result;
    assert.equal(first.type, 'succeeded');
    if (first.type !== 'succeeded') return;
    assert.equal(first.message.stop_reason, 'end_turn');
    assert.equal(first.message.content[0].type, 'text');
    const text = first.message.content[0].type === 'text' ? first.message.content[0].text : '';
    assert.deepEqual(Object.keys(JSON.parse(text)).sort(), ['age', 'name'], 'follows output_config.format.schema');
    assert.ok(first.message.usage.input_tokens > 0 && first.message.usage.output_tokens > 0);
  });

  it('hands the system prompt and the schema to the engine', async () => {
    const created = await client.messages.batches.create({
      requests: [request('s1', { system: [{ type: 'text', text: 'be terse' }] })],
    });
    const item = emu.engine.get(created.id)!.items[0];
    assert.deepEqual(item.messages[0], { role: 'system', content: 'be terse' });
    assert.deepEqual(item.jsonSchema, SCHEMA);
    assert.equal(item.maxTokens, 256);
  });

  it('accepts Authorization: Bearer (SDK 1.x) and x-api-key with 2023-06-01 (SDK 0.x, docs)', async () => {
    await client.messages.batches.list(); // the SDK sends Bearer + 2026-10-21
    const res = await fetch(`${emu.url}/v1/messages/batches`, {
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('request-id'));
  });

  it('rejects calls without a key or with a missing / unknown anthropic-version', async () => {
    const noKey = await fetch(`${emu.url}/v1/messages/batches`, { headers: { 'anthropic-version': '2023-06-01' } });
    assert.equal(noKey.status, 401);
    const body = (await noKey.json()) as { type: string; error: { type: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'authentication_error');

    const noVersion = await fetch(`${emu.url}/v1/messages/batches`, { headers: { 'x-api-key': 'k' } });
    assert.equal(noVersion.status, 400);
    const badVersion = await fetch(`${emu.url}/v1/messages/batches`, { headers: { 'x-api-key': 'k', 'anthropic-version': '1999-01-01' } });
    assert.equal(badVersion.status, 400);
    assert.equal(((await badVersion.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
  });

  it('enforces the custom_id pattern and uniqueness at create time', async () => {
    await assert.rejects(client.messages.batches.create({ requests: [request('has space')] }), BadRequestError);
    await assert.rejects(client.messages.batches.create({ requests: [request('x'.repeat(65))] }), BadRequestError);
    await assert.rejects(client.messages.batches.create({ requests: [request('dup'), request('dup')] }), BadRequestError);
    await assert.rejects(client.messages.batches.create({ requests: [] }), BadRequestError);
    assert.equal(emu.stats().batchesCreated, 0);
  });

  it('reports bad params per request, asynchronously, as errored invalid_request_error results', async () => {
    const created = await client.messages.batches.create({
      requests: [
        request('good'),
        { custom_id: 'bad', params: { model: 'claude-test', messages: [{ role: 'user', content: 'x' }] } as never },
      ],
    });
    const batch = await ended(created.id);
    assert.equal(batch.request_counts.succeeded, 1);
    assert.equal(batch.request_counts.errored, 1);
    const bad = (await results(created.id)).find((l) => l.custom_id === 'bad')!;
    assert.equal(bad.result.type, 'errored');
    if (bad.result.type === 'errored') {
      assert.equal(bad.result.error.type, 'error');
      assert.equal(bad.result.error.error.type, 'invalid_request_error');
      assert.match(bad.result.error.error.message, /max_tokens/);
    }
  });

  it('rejects temperature per request under 2026-10-21 (the SDK default) but not under 2023-06-01', async () => {
    const body = { requests: [request('t1', { temperature: 1 })] };
    const created = await client.messages.batches.create(body as never);
    await ended(created.id);
    const [line] = await results(created.id);
    assert.equal(line.result.type === 'errored' && line.result.error.error.message, 'temperature: Extra inputs are not permitted');

    const legacy = await fetch(`${emu.url}/v1/messages/batches`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [request('t2', { temperature: 1 })] }),
    });
    const { id } = (await legacy.json()) as { id: string };
    await ended(id);
    assert.equal((await results(id))[0].result.type, 'succeeded');
  });

  it('lists newest first and pages with after_id (SDK auto-pagination) and before_id', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.messages.batches.create({ requests: [request(`p${i}`)] })).id);
    const seen: string[] = [];
    for await (const b of client.messages.batches.list({ limit: 2 })) seen.push(b.id);
    assert.deepEqual(seen, [...ids].reverse());

    const page = await client.messages.batches.list({ limit: 2 });
    assert.equal(page.has_more, true);
    assert.equal(page.first_id, ids[4]);
    assert.equal(page.last_id, ids[3]);

    const newer = await client.messages.batches.list({ limit: 2, before_id: ids[1] });
    assert.deepEqual(
      newer.data.map((b) => b.id),
      [ids[3], ids[2]],
    );
    assert.equal(newer.has_more, true);
  });

  it('cancels: canceling, then ended with the unfinished requests canceled', async () => {
    emu.configure({ processingMs: 10_000 });
    const created = await client.messages.batches.create({ requests: [request('c1'), request('c2')] });
    const canceling = await client.messages.batches.cancel(created.id);
    assert.equal(canceling.processing_status, 'canceling');
    assert.ok(canceling.cancel_initiated_at);
    const batch = await ended(created.id);
    assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 });
    assert.deepEqual(
      (await results(created.id)).map((l) => l.result.type),
      ['canceled', 'canceled'],
    );
    // Cancelling an ended batch changes nothing.
    assert.equal((await client.messages.batches.cancel(created.id)).processing_status, 'ended');
  });

  it('expires: the unfinished half comes back as expired results', async () => {
    emu.configure({ expire: true });
    const created = await client.messages.batches.create({ requests: [request('e1'), request('e2'), request('e3'), request('e4')] });
    const batch = await ended(created.id);
    assert.deepEqual(batch.request_counts, { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 2 });
    const types = Object.fromEntries((await results(created.id)).map((l) => [l.custom_id, l.result.type]));
    assert.deepEqual(types, { e1: 'succeeded', e2: 'succeeded', e3: 'expired', e4: 'expired' });
  });

  it('a failed engine batch ends with every request errored (Anthropic validates asynchronously)', async () => {
    emu.configure({ batchFailure: true });
    const created = await client.messages.batches.create({ requests: [request('f1'), request('f2')] });
    const batch = await ended(created.id);
    assert.equal(batch.request_counts.errored, 2);
    for (const line of await results(created.id)) {
      assert.equal(line.result.type, 'errored');
      if (line.result.type === 'errored') assert.equal(line.result.error.error.type, 'api_error');
    }
  });

  it('item faults map to Anthropic shapes: api_error, refusal, max_tokens', async () => {
    emu.configure({
      itemFaults: [
        { match: 'err', fault: 'error' },
        { match: 'ref', fault: 'refusal' },
        { match: 'cut', fault: 'truncated' },
      ],
    });
    const created = await client.messages.batches.create({ requests: [request('err'), request('ref'), request('cut')] });
    await ended(created.id);
    const byId = Object.fromEntries((await results(created.id)).map((l) => [l.custom_id, l.result]));
    assert.equal(byId.err.type, 'errored');
    if (byId.err.type === 'errored') assert.equal(byId.err.error.error.type, 'api_error');
    assert.equal(byId.ref.type === 'succeeded' && byId.ref.message.stop_reason, 'refusal');
    assert.equal(byId.cut.type === 'succeeded' && byId.cut.message.stop_reason, 'max_tokens');
  });

  it('counts batches under a digest of the sorted custom_ids', async () => {
    await client.messages.batches.create({ requests: [request('a'), request('b')] });
    await client.messages.batches.create({ requests: [request('b'), request('a')] });
    assert.equal(emu.stats().byTag[anthropicTag(['a', 'b'])], 2);
  });

  it('honours createDelayMs: the batch exists before the create call answers', async () => {
    emu.configure({ createDelayMs: 150 });
    const pending = client.messages.batches.create({ requests: [request('slow')] });
    while (emu.stats().batchesCreated === 0) await new Promise((r) => setTimeout(r, 2)); // it reached the provider
    const listed = await client.messages.batches.list();
    assert.equal(listed.data.length, 1, 'listed while the create call is still waiting');
    const created = await pending;
    assert.equal(created.id, listed.data[0].id);
  });

  it('has no results before the end, deletes only ended batches, 404s unknown ones', async () => {
    emu.configure({ processingMs: 10_000 });
    const created = await client.messages.batches.create({ requests: [request('d1')] });
    await assert.rejects(client.messages.batches.results(created.id), /results_url/);
    const direct = await fetch(`${emu.url}/v1/messages/batches/${created.id}/results`, {
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    });
    assert.equal(direct.status, 400);
    await assert.rejects(client.messages.batches.delete(created.id), BadRequestError);
    await client.messages.batches.cancel(created.id);
    await ended(created.id);
    assert.deepEqual(await client.messages.batches.delete(created.id), { id: created.id, type: 'message_batch_deleted' });
    await assert.rejects(client.messages.batches.retrieve(created.id), NotFoundError);
    await assert.rejects(client.messages.batches.retrieve('msgbatch_nope'), NotFoundError);
  });
  it('rejects a system turn inside messages per request (system goes in the top-level param)', async () => {
    const created = await client.messages.batches.create({
      requests: [
        request('ok'),
        request('sys', {
          messages: [
            { role: 'system', content: 'be terse' },
            { role: 'user', content: 'hi' },
          ],
        } as never),
      ],
    });
    await ended(created.id);
    const byId = Object.fromEntries((await results(created.id)).map((l) => [l.custom_id, l.result]));
    assert.equal(byId.ok.type, 'succeeded');
    assert.equal(byId.sys.type, 'errored');
    if (byId.sys.type === 'errored') {
      assert.equal(byId.sys.error.error.type, 'invalid_request_error');
      assert.equal(byId.sys.error.error.message, "messages.0.role: Input should be 'user' or 'assistant'");
    }
  });

  it('builds results_url from the address the client used, not the 0.0.0.0 it listens on', async () => {
    const wide = await startEmulator({ host: '0.0.0.0', faults: { validatingMs: 1, processingMs: 2, finalizingMs: 1 } });
    try {
      const port = new URL(wide.url).port;
      const local = new Anthropic({ apiKey: 'k', baseURL: `http://127.0.0.1:${port}`, maxRetries: 0 });
      const created = await local.messages.batches.create({ requests: [request('o1')] });
      await new Promise((r) => setTimeout(r, 20));
      const batch = await local.messages.batches.retrieve(created.id);
      assert.equal(batch.results_url, `http://127.0.0.1:${port}/v1/messages/batches/${created.id}/results`);
      const lines: MessageBatchIndividualResponse[] = [];
      for await (const line of await local.messages.batches.results(created.id)) lines.push(line);
      assert.equal(lines[0].result.type, 'succeeded', 'the SDK fetched results_url as given');

      // A neighbour container reaches it by service name: the Host header decides.
      const viaName = await new Promise<{ results_url: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: `/v1/messages/batches/${created.id}`,
            headers: { host: `emulator:${port}`, 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
          },
          (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve(JSON.parse(text)));
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(viaName.results_url, `http://emulator:${port}/v1/messages/batches/${created.id}/results`);
    } finally {
      await wide.close();
    }
  });
});
