/**
 * The one-port server: providers mounted side by side without shadowing each other, the shared
 * HTTP-fault middleware speaking each provider's error shape, and a clean close().
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic, { RateLimitError as AnthropicRateLimitError } from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startEmulator, type Emulator } from '../../src/emulator';

let emu: Emulator;
let openai: OpenAI;
let anthropic: Anthropic;

before(async () => {
  emu = await startEmulator({ faults: { validatingMs: 1, processingMs: 5, finalizingMs: 1 } });
  openai = new OpenAI({ apiKey: 'x', baseURL: `${emu.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'x', baseURL: emu.url, maxRetries: 0 });
});
after(() => emu.close());
beforeEach(() => emu.reset());

describe('emulator server', () => {
  it('listens on a free 127.0.0.1 port and answers health', async () => {
    assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await (await fetch(`${emu.url}/_emulator/health`)).json(), { ok: true });
  });

  it('serves Anthropic /v1/messages/batches next to OpenAI /v1 on one port', async () => {
    const batch = await anthropic.messages.batches.create({
      requests: [{ custom_id: 'a1', params: { model: 'claude-x', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] } }],
    });
    assert.match(batch.id, /^msgbatch_/);
    assert.equal((await openai.batches.list()).data.length, 0, 'OpenAI lists only its own batches');
    assert.deepEqual(emu.stats().byProvider, { openai: 0, anthropic: 1, gemini: 0 });
  });

  it('HTTP faults use the error shape of the provider the path belongs to', async () => {
    emu.configure({ httpErrors: { status: 429, count: 1 } });
    const err = await anthropic.messages.batches.list().catch((e: unknown) => e);
    assert.ok(err instanceof AnthropicRateLimitError);
    assert.equal((err.error as { error?: { type?: string } }).error?.type, 'rate_limit_error');

    emu.configure({ httpErrors: { status: 500, count: 1 } });
    const gemini = await fetch(`${emu.url}/v1beta/batches`, { headers: { 'x-goog-api-key': 'x' } });
    assert.equal(gemini.status, 500);
    assert.deepEqual(await gemini.json(), {
      error: { code: 500, message: 'The server had an error (emulated fault).', status: 'INTERNAL' },
    });
  });

  it('unknown routes answer 404 with a provider-shaped body', async () => {
    const res = await fetch(`${emu.url}/v1/nothing-here`, { headers: { authorization: 'Bearer x' } });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { type: string } };
    assert.equal(body.error.type, 'invalid_request_error');
  });

  it('close() returns promptly even with keep-alive SDK connections open', async () => {
    const other = await startEmulator();
    const client = new OpenAI({ apiKey: 'x', baseURL: `${other.url}/v1`, maxRetries: 0 });
    await client.batches.list();
    const started = Date.now();
    await other.close();
    assert.ok(Date.now() - started < 1000);
  });
});
