/**
 * Every adapter call that reaches a provider stops when its abort signal fires (issue 8): a
 * cancelled or timed-out activity must not sit on a provider that does not answer. The real SDKs
 * talk to a loopback server that holds every request open, so only the signal can end a call;
 * the server also sees the request's connection dropped (the HTTP call stopped, not just the promise).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAnthropicAdapter } from '../../src/providers/anthropic';
import { createGeminiAdapter } from '../../src/providers/gemini';
import { createOpenAIAdapter } from '../../src/providers/openai';
import type { ProviderAdapter } from '../../src/providers/types';
import { collect, idIndex, personChunk, userRequest } from '../helpers/adapter-fixtures';
import { hangingServer, type HangingServer } from '../helpers/http-stubs';

/** Well under any SDK timeout, with room for a loaded machine. */
const PROMPT_MS = 2_000;

let server: HangingServer;
before(async () => {
  server = await hangingServer();
});
after(() => server.close());

interface Provider {
  name: string;
  batchId: string;
  adapter: () => ProviderAdapter;
}

// SDK defaults (retries on, long or no timeouts): the signal alone must end each call.
const PROVIDERS: Provider[] = [
  { name: 'openai', batchId: 'batch_1', adapter: () => createOpenAIAdapter({ apiKey: 'k', baseURL: `${server.url}/v1` }) },
  { name: 'anthropic', batchId: 'msgbatch_1', adapter: () => createAnthropicAdapter({ apiKey: 'k', baseURL: server.url }) },
  { name: 'gemini', batchId: 'batches/1', adapter: () => createGeminiAdapter({ apiKey: 'k', baseURL: server.url }) },
];

/** Each adapter call that makes HTTP calls, and the request it is stuck on at the server. */
const CALLS: Array<{
  call: string;
  path: Record<string, RegExp>;
  run: (a: ProviderAdapter, batchId: string, signal: AbortSignal) => Promise<unknown>;
}> = [
  {
    call: 'status (poll)',
    path: {
      openai: /^GET \/v1\/batches\/batch_1$/,
      anthropic: /^GET \/v1\/messages\/batches\/msgbatch_1$/,
      gemini: /^GET \/v1beta\/batches\/1/,
    },
    run: (a, id, signal) => a.status(id, { signal }),
  },
  {
    call: 'cancel',
    path: {
      openai: /^GET \/v1\/batches\/batch_1$/,
      anthropic: /^GET \/v1\/messages\/batches\/msgbatch_1$/,
      gemini: /^GET \/v1beta\/batches\/1/,
    },
    run: (a, id, signal) => a.cancel(id, { signal }),
  },
  {
    call: 'findSubmission (list by tag)',
    path: { openai: /^GET \/v1\/batches\?/, anthropic: /^GET \/v1\/messages\/batches\?/, gemini: /^GET \/v1beta\/batches\?/ },
    run: (a, _id, signal) => a.findSubmission({ tag: 'job/a1/c0', requestCount: 1 }, { firstTryAtMs: Date.now(), signal }),
  },
  {
    call: "a retried submit's search",
    path: { openai: /^GET \/v1\/batches\?/, anthropic: /^GET \/v1\/messages\/batches\?/, gemini: /^GET \/v1beta\/batches\?/ },
    run: (a, _id, signal) =>
      a.submit(personChunk('m', 'job/a1/c0', [userRequest('r1', 'Alice is 30')], {}), { firstTryAtMs: Date.now(), isRetry: true, signal }),
  },
  {
    call: 'results (the batch look-up before the download)',
    path: {
      openai: /^GET \/v1\/batches\/batch_1$/,
      anthropic: /^GET \/v1\/messages\/batches\/msgbatch_1$/,
      gemini: /^GET \/v1beta\/batches\/1/,
    },
    run: (a, id, signal) => collect(a.results(id, { ids: idIndex([{ customId: 'r1' }]), tag: 'job/a1/c0', signal })),
  },
];

for (const provider of PROVIDERS) {
  describe(`${provider.name} adapter: the abort signal stops provider calls`, () => {
    for (const { call, path, run } of CALLS) {
      // Without the signal the call would hang on: the timeout fails it instead.
      it(`${call}: aborting while the provider has not answered rejects at once and drops the request`, { timeout: 10_000 }, async () => {
        const controller = new AbortController();
        const arrived = server.nextRequest();
        const pending = run(provider.adapter(), provider.batchId, controller.signal);
        pending.catch(() => undefined); // judged below, after the abort
        const { req, dropped } = await arrived;
        assert.match(`${req.method} ${req.url}`, path[provider.name]!, 'stuck on the call this case is about');
        const abortedAt = Date.now();
        controller.abort(new Error('the activity was cancelled'));
        await assert.rejects(pending);
        const took = Date.now() - abortedAt;
        assert.ok(took < PROMPT_MS, `rejected ${took} ms after the abort`);
        await dropped;
      });
    }

    it('a signal aborted before the call: rejects without reaching the provider', { timeout: 10_000 }, async () => {
      const controller = new AbortController();
      controller.abort(new Error('cancelled already'));
      const before = server.received;
      for (const { run } of CALLS) await assert.rejects(run(provider.adapter(), provider.batchId, controller.signal));
      assert.equal(server.received, before);
    });
  });
}
