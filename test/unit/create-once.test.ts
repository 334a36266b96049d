/**
 * A create call whose response is lost may still have made a billed batch. Every adapter must then
 * end with exactly one batch for the submission: no blind retry, and the activity's retry finds it.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../../src/emulator';
import { createAnthropicAdapter } from '../../src/providers/anthropic';
import { createOnce, retryAfterFromHeaders } from '../../src/providers/create-once';
import { createGeminiAdapter } from '../../src/providers/gemini';
import { ListingWindow } from '../../src/providers/listing-window';
import { createOpenAIAdapter } from '../../src/providers/openai';
import type { ProviderAdapter } from '../../src/providers/types';
import { personChunk, userRequest } from '../helpers/adapter-fixtures';

describe('createOnce', () => {
  it('tries a refused create again, honouring Retry-After, and nothing else', async () => {
    let calls = 0;
    const refusal = Object.assign(new Error('429'), { status: 429 });
    const result = await createOnce(
      async () => {
        calls += 1;
        if (calls < 3) throw refusal;
        return 'batch_1';
      },
      { refused: (err) => (err as { status?: number }).status === 429, retryAfterMs: () => 1 },
    );
    assert.deepEqual([result, calls], ['batch_1', 3]);

    calls = 0;
    const lost = Object.assign(new Error('500'), { status: 500 });
    await assert.rejects(
      createOnce(
        async () => {
          calls += 1;
          throw lost;
        },
        { refused: (err) => (err as { status?: number }).status === 429 },
      ),
      lost,
    );
    assert.equal(calls, 1, 'a 5xx may have created the batch: never tried blindly again');
  });

  it("a cancel during the wait between tries ends it at once, with the signal's reason, and tries no more", async () => {
    let calls = 0;
    const refusal = Object.assign(new Error('429'), { status: 429 });
    const cancel = new AbortController();
    const reason = new Error('the submit was cancelled');
    const started = Date.now();
    setTimeout(() => cancel.abort(reason), 50);
    await assert.rejects(
      createOnce(
        async () => {
          calls += 1;
          throw refusal;
        },
        { refused: () => true, retryAfterMs: () => 60_000 },
        cancel.signal,
      ),
      reason,
    );
    assert.equal(calls, 1);
    assert.ok(Date.now() - started < 2_000, `ended ${Date.now() - started} ms after the start, not after the 5 s wait`);
  });

  it('reads retry-after-ms, then retry-after in seconds', () => {
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' })), 250);
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after': '2' })), 2000);
    assert.equal(retryAfterFromHeaders(new Headers({ 'retry-after': 'soon' })), undefined);
    assert.equal(retryAfterFromHeaders(undefined), undefined);
  });
});

describe('ListingWindow', () => {
  it('stops a newest-first listing at the first batch older than the window', () => {
    const window = new ListingWindow(1000);
    assert.deepEqual(
      [3000, 2000, 1500, 900].map((t) => window.pastWindow(t)),
      [false, false, false, true],
    );
  });

  it('never stops a listing seen to run oldest first', () => {
    const window = new ListingWindow(1000);
    assert.deepEqual(
      [100, 200, 300, 250, 5000].map((t) => window.pastWindow(t)),
      [false, false, false, false, false],
    );
  });
});

/** Forwards everything to the emulator, but loses the response of the next N batch creates (answers 500). */
async function lossyProxy(target: string): Promise<{ url: string; loseCreates: (n: number) => void; server: Server }> {
  let lose = 0;
  const isCreate = (method: string, path: string) =>
    method === 'POST' && /(\/v1\/batches|\/v1\/messages\/batches|:batchGenerateContent)$/.test(path.split('?')[0]);
  const server = createServer((req, res) => {
    // A forwarding that fails answers 502 at once: a request left unanswered would hang the test.
    forward(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${err.message}`);
    });
  });
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = Object.fromEntries(
      // The body is forwarded whole: its framing (a length, or chunks for a streamed upload) is fetch's to set.
      Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'transfer-encoding', 'connection'].includes(k)),
    ) as Record<string, string>;
    const upstream = await fetch(target + req.url, {
      method: req.method,
      headers,
      ...(chunks.length && { body: Buffer.concat(chunks) }),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (isCreate(req.method!, req.url!) && lose > 0) {
      lose -= 1;
      res
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: 'upstream timed out', type: 'server_error' } }));
      return;
    }
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
    });
    res.writeHead(upstream.status, out).end(body);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, loseCreates: (n) => (lose = n), server };
}

describe('a lost create response leaves exactly one batch', () => {
  let emu: Emulator;
  let proxy: Awaited<ReturnType<typeof lossyProxy>>;
  before(async () => {
    emu = await startEmulator({ port: 0 });
    proxy = await lossyProxy(emu.url);
  });
  after(async () => {
    proxy.server.close();
    await emu.close();
  });
  beforeEach(() => emu.reset());

  const adapters: Array<[string, string, () => ProviderAdapter]> = [
    ['openai', 'gpt-4o-mini', () => createOpenAIAdapter({ apiKey: 'k', baseURL: `${proxy.url}/v1` })],
    ['anthropic', 'claude-haiku-4-5', () => createAnthropicAdapter({ apiKey: 'k', baseURL: proxy.url })],
    ['gemini', 'gemini-2.5-flash', () => createGeminiAdapter({ apiKey: 'k', baseURL: proxy.url }, { attempts: 1 })],
  ];
  for (const [provider, model, make] of adapters) {
    it(`${provider}: the create fails, the activity's retry (a new worker) adopts the batch`, async () => {
      const chunk = personChunk(model, `lost-${provider}/r0/a1/c0`, [userRequest('a', 'Ann is 30'), userRequest('b', 'Bo is 40')], {});
      const firstTryAtMs = Date.now();
      proxy.loseCreates(1);
      await assert.rejects(make().submit(chunk, { firstTryAtMs, isRetry: false }));
      assert.equal(emu.stats().batchesCreated, 1, 'the provider made the batch; the SDK did not make another');

      const retry = await make().submit(chunk, { firstTryAtMs, isRetry: true });
      assert.equal(retry.reused, true);
      assert.equal(emu.stats().batchesCreated, 1);
    });
  }
});
