/**
 * The emulator's Gemini Batch + Files routes, driven by the official @google/genai SDK (and raw
 * fetch for what the SDK hides: batchStats, `error`, the download endpoints, the auth styles).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startEmulator, type Emulator } from '../../src/emulator';
import { ApiError, GoogleGenAI, type BatchJob, type InlinedRequest } from '../../src/providers/gemini-sdk';

// Long enough in PENDING that the create's own answer still shows it, even on a loaded machine.
const FAULTS = { validatingMs: 150, processingMs: 30, finalizingMs: 5, cancellingMs: 20 };
const SCHEMA = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] };
const MODEL = 'gemini-test';

let emu: Emulator;
let ai: GoogleGenAI;

before(async () => {
  emu = await startEmulator({ faults: FAULTS });
  ai = new GoogleGenAI({ apiKey: 'test-key', vertexai: false, httpOptions: { baseUrl: emu.url } });
});
after(() => emu.close());
beforeEach(() => emu.reset());

function inlined(key: string): InlinedRequest {
  return {
    contents: [{ role: 'user', parts: [{ text: `${key}: Alice Smith is 33` }] }],
    metadata: { key },
    config: {
      systemInstruction: { parts: [{ text: 'be terse' }] },
      responseMimeType: 'application/json',
      responseJsonSchema: SCHEMA,
      maxOutputTokens: 200,
    },
  };
}

function line(key: string): string {
  const request = {
    contents: [{ role: 'user', parts: [{ text: `${key}: Bob Jones 44` }] }],
    generationConfig: { responseMimeType: 'application/json', responseJsonSchema: SCHEMA },
  };
  return JSON.stringify({ key, request }) + '\n';
}

async function finished(name: string): Promise<BatchJob> {
  for (let i = 0; i < 500; i++) {
    const job = await ai.batches.get({ name });
    if (['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED', 'JOB_STATE_EXPIRED'].includes(job.state ?? '')) return job;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`batch ${name} never finished`);
}

async function raw(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emu.url}${path}`, { ...init, headers: { 'x-goog-api-key': 'k', ...(init.headers ?? {}) } });
}

describe('emulator: Gemini batches', () => {
  it('creates an inline batch: batches/<id>, PENDING, then SUCCEEDED with inlined responses in metadata.output', async () => {
    const job = await ai.batches.create({ model: MODEL, src: [inlined('k1'), inlined('k2')], config: { displayName: 'tag-inline' } });
    assert.match(job.name ?? '', /^batches\/[^/]+$/);
    assert.equal(job.state, 'JOB_STATE_PENDING');
    assert.equal(job.displayName, 'tag-inline');
    assert.equal(job.model, `models/${MODEL}`);

    const done = await finished(job.name!);
    assert.equal(done.state, 'JOB_STATE_SUCCEEDED');
    const responses = done.dest?.inlinedResponses ?? [];
    assert.deepEqual(
      responses.map((r) => r.metadata?.key),
      ['k1', 'k2'],
      'in input order, metadata echoed',
    );
    const first = responses[0].response!;
    const candidate = first.candidates![0];
    assert.equal(candidate.finishReason, 'STOP');
    assert.deepEqual(Object.keys(JSON.parse(candidate.content!.parts![0].text!)).sort(), ['age', 'name']);
    assert.ok((first.usageMetadata?.promptTokenCount ?? 0) > 0);

    const item = emu.engine.get(job.name!.split('/')[1])!.items[0];
    assert.deepEqual(item.messages[0], { role: 'system', content: 'be terse' });
    assert.deepEqual(item.jsonSchema, SCHEMA);
    assert.equal(item.maxTokens, 200);
    assert.equal(emu.stats().byTag['tag-inline'], 1, 'tagged by displayName');
  });

  it('serves what the SDK drops: batchStats as int64 strings, done, response', async () => {
    const job = await ai.batches.create({ model: MODEL, src: [inlined('a'), inlined('b')], config: { displayName: 't' } });
    await finished(job.name!);
    const op = (await (await raw(`/v1beta/${job.name}`)).json()) as Record<string, any>;
    assert.deepEqual(op.metadata.batchStats, {
      requestCount: '2',
      successfulRequestCount: '2',
      failedRequestCount: '0',
      pendingRequestCount: '0',
    });
    assert.equal(op.done, true);
    assert.equal(op.metadata.state, 'BATCH_STATE_SUCCEEDED');
    assert.equal(op.response.inlinedResponses.inlinedResponses.length, 2);
  });

  it('runs a batch from an uploaded JSONL file and answers with a downloadable responses file', async () => {
    const file = await ai.files.upload({
      file: new Blob([line('f1'), line('f2')], { type: 'application/jsonl' }),
      config: { mimeType: 'application/jsonl', displayName: 'input' },
    });
    assert.match(file.name ?? '', /^files\//);
    assert.equal(file.state, 'ACTIVE');
    const job = await ai.batches.create({ model: MODEL, src: file.name!, config: { displayName: 'tag-file' } });
    const done = await finished(job.name!);
    const output = done.dest?.fileName;
    assert.match(output ?? '', /^files\/batch-/);

    for (const path of [`/v1beta/${output}:download?alt=media`, `/download/v1beta/${output}:download?alt=media`]) {
      const res = await raw(path);
      assert.equal(res.status, 200, path);
      const lines = (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => l.key),
        ['f1', 'f2'],
      );
      assert.equal(lines[0].response.candidates[0].finishReason, 'STOP');
    }
    const upload = await raw(`/v1beta/${file.name}:download?alt=media`);
    assert.equal(upload.status, 400, 'uploaded files cannot be downloaded');
    const meta = await ai.files.get({ name: output! });
    assert.equal(meta.source, 'GENERATED');
  });

  it('takes a multi-chunk resumable upload (over the SDK 8 MiB chunk size) byte for byte', async () => {
    const big = new Uint8Array(9 * 1024 * 1024).fill(0x61);
    const file = await ai.files.upload({ file: new Blob([big], { type: 'text/plain' }), config: { mimeType: 'text/plain' } });
    assert.equal(file.sizeBytes, String(big.byteLength));
    assert.equal(emu.engine.getFile(file.name!.replace('files/', ''))!.bytes.byteLength, big.byteLength);
  });

  it('lists newest first with page tokens (SDK pager)', async () => {
    const names: string[] = [];
    for (let i = 0; i < 5; i++)
      names.push((await ai.batches.create({ model: MODEL, src: [inlined(`p${i}`)], config: { displayName: `p${i}` } })).name!);
    const seen: string[] = [];
    for await (const job of await ai.batches.list({ config: { pageSize: 2 } })) seen.push(job.name!);
    assert.deepEqual(seen, [...names].reverse());
  });

  it('cancels: CANCELLED with the unfinished requests as CANCELLED errors', async () => {
    emu.configure({ processingMs: 10_000 });
    const job = await ai.batches.create({ model: MODEL, src: [inlined('c1'), inlined('c2')], config: { displayName: 'c' } });
    await ai.batches.cancel({ name: job.name! });
    const running = await ai.batches.get({ name: job.name! });
    assert.equal(running.state, 'JOB_STATE_RUNNING', 'the Developer API has no CANCELLING state');
    const done = await finished(job.name!);
    assert.equal(done.state, 'JOB_STATE_CANCELLED');
    const errors = done.dest!.inlinedResponses!.map((r) => r.error);
    assert.deepEqual(
      errors.map((e) => e?.code),
      [1, 1],
    );
    await ai.batches.cancel({ name: job.name! }); // ended: a no-op, not an error
  });

  it('expires with no results at all', async () => {
    emu.configure({ expire: true });
    const job = await ai.batches.create({ model: MODEL, src: [inlined('e1'), inlined('e2')], config: { displayName: 'e' } });
    const done = await finished(job.name!);
    assert.equal(done.state, 'JOB_STATE_EXPIRED');
    assert.equal(done.dest, undefined);
  });

  it('fails a batch with a reason in the raw operation', async () => {
    emu.configure({ batchFailure: true });
    const job = await ai.batches.create({ model: MODEL, src: [inlined('x')], config: { displayName: 'f' } });
    const done = await finished(job.name!);
    assert.equal(done.state, 'JOB_STATE_FAILED');
    const op = (await (await raw(`/v1beta/${job.name}`)).json()) as { error?: { message?: string } };
    assert.match(op.error?.message ?? '', /failed/);
  });

  it('item faults: an error becomes a google.rpc.Status, a refusal a contentless SAFETY stop', async () => {
    emu.configure({
      itemFaults: [
        { match: 'err', fault: 'error' },
        { match: 'ref', fault: 'refusal' },
        { match: 'cut', fault: 'truncated' },
      ],
    });
    const job = await ai.batches.create({
      model: MODEL,
      src: [inlined('err'), inlined('ref'), inlined('cut')],
      config: { displayName: 'i' },
    });
    const [err, ref, cut] = (await finished(job.name!)).dest!.inlinedResponses!;
    assert.equal(err.error?.code, 13);
    assert.equal(ref.response?.candidates?.[0].finishReason, 'SAFETY');
    assert.equal(ref.response?.candidates?.[0].content, undefined);
    assert.equal(cut.response?.candidates?.[0].finishReason, 'MAX_TOKENS');
  });

  it('reports a request without contents as that item’s INVALID_ARGUMENT error', async () => {
    // The SDK refuses empty contents itself, so this goes over the wire directly.
    const body = {
      batch: {
        displayName: 'v',
        inputConfig: {
          requests: {
            requests: [
              { request: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, metadata: { key: 'ok' } },
              { request: { contents: [] }, metadata: { key: 'empty' } },
            ],
          },
        },
      },
    };
    const res = await raw(`/v1beta/models/${MODEL}:batchGenerateContent`, { method: 'POST', body: JSON.stringify(body) });
    const { name } = (await res.json()) as { name: string };
    const [ok, empty] = (await finished(name)).dest!.inlinedResponses!;
    assert.ok(ok.response);
    assert.equal(empty.error?.code, 3);
    assert.deepEqual(empty.metadata, { key: 'empty' });
  });

  it('requires an API key (header or ?key=)', async () => {
    const none = await fetch(`${emu.url}/v1beta/batches`);
    assert.equal(none.status, 403);
    assert.equal(((await none.json()) as { error: { status: string } }).error.status, 'PERMISSION_DENIED');
    assert.equal((await fetch(`${emu.url}/v1beta/batches?key=k`)).status, 200);
  });

  it('deletes batches and files; unknown names are 404 / 403', async () => {
    const job = await ai.batches.create({ model: MODEL, src: [inlined('d')], config: { displayName: 'd' } });
    await ai.batches.delete({ name: job.name! });
    await assert.rejects(ai.batches.get({ name: job.name! }), (err) => err instanceof ApiError && err.status === 404);
    const file = await ai.files.upload({ file: new Blob([line('z')]), config: { mimeType: 'application/jsonl' } });
    await ai.files.delete({ name: file.name! });
    await assert.rejects(ai.files.get({ name: file.name! }), (err) => err instanceof ApiError && err.status === 403);
  });

  it('HTTP faults reach the SDK as ApiError with the status', async () => {
    emu.configure({ httpErrors: { status: 429, count: 1 } });
    await assert.rejects(ai.batches.list(), (err) => err instanceof ApiError && err.status === 429);
    await ai.batches.list(); // the fault was used up
  });
  it('reports a response schema without responseMimeType application/json as that item’s INVALID_ARGUMENT error', async () => {
    const contents = [{ role: 'user', parts: [{ text: 'Alice Smith is 33' }] }];
    const requests = [
      {
        request: { contents, generationConfig: { responseMimeType: 'application/json', responseJsonSchema: SCHEMA } },
        metadata: { key: 'ok' },
      },
      { request: { contents, generationConfig: { responseJsonSchema: SCHEMA } }, metadata: { key: 'no-mime' } },
      {
        request: { contents, generationConfig: { responseMimeType: 'text/plain', responseSchema: { type: 'OBJECT' } } },
        metadata: { key: 'text' },
      },
      {
        request: {
          contents,
          generationConfig: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT' }, responseJsonSchema: SCHEMA },
        },
        metadata: { key: 'both' },
      },
    ];
    const res = await raw(`/v1beta/models/${MODEL}:batchGenerateContent`, {
      method: 'POST',
      body: JSON.stringify({ batch: { displayName: 'mime', inputConfig: { requests: { requests } } } }),
    });
    assert.equal(res.status, 200, 'checked per item, like a missing contents');
    const { name } = (await res.json()) as { name: string };
    const [ok, noMime, text, both] = (await finished(name)).dest!.inlinedResponses!;
    assert.ok(ok.response);
    assert.equal(noMime.error?.code, 3);
    assert.match(noMime.error?.message ?? '', /response_mime_type: must be application\/json when response_json_schema is set/);
    assert.equal(text.error?.code, 3);
    assert.match(text.error?.message ?? '', /when response_schema is set \(got "text\/plain"\)/);
    assert.equal(both.error?.code, 3);
    assert.match(both.error?.message ?? '', /mutually exclusive/);
  });

  it('answers 400 when an upload finalizes with a byte count other than the declared size', async () => {
    const start = async (size: number) => {
      const res = await raw('/upload/v1beta/files', {
        method: 'POST',
        headers: {
          'x-goog-upload-protocol': 'resumable',
          'x-goog-upload-command': 'start',
          'x-goog-upload-header-content-length': String(size),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ file: { mimeType: 'application/jsonl', sizeBytes: String(size) } }),
      });
      return res.headers.get('x-goog-upload-url')!;
    };
    const send = (url: string, bytes: string, command = 'upload, finalize') =>
      fetch(url, { method: 'POST', headers: { 'x-goog-upload-command': command, 'x-goog-upload-offset': '0' }, body: bytes });

    const short = await send(await start(10), '12345');
    assert.equal(short.status, 400);
    assert.match(((await short.json()) as { error: { message: string } }).error.message, /5 bytes, but 10 were declared/);
    const long = await send(await start(3), '12345', 'upload');
    assert.equal(long.status, 400, 'more than declared is refused at once');
    assert.equal((await ai.files.list()).page.length, 0, 'neither upload left a file behind');

    const exact = await send(await start(5), '12345');
    assert.equal(exact.status, 200);
    assert.equal(exact.headers.get('x-goog-upload-status'), 'final');
  });
});
