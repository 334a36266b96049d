/**
 * The emulator's OpenAI Files + Batches API, driven by the real `openai` SDK. Time is a hand-moved
 * clock (`now` option), so status walks are exact and the tests never sleep for the batch.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import OpenAI, { BadRequestError, InternalServerError, NotFoundError, RateLimitError, toFile } from 'openai';
import { startEmulator, type Emulator } from '../../src/emulator';

const T0 = 1_800_000_000_000;
let clock = T0;
const advance = (ms: number) => {
  clock += ms;
};

// Whole seconds, because the wire timestamps are Unix seconds (the clock is fake, so this costs nothing):
// validating 1 s, then 4 items finish at 2/3/4/5 s, finalizing till 6 s; cancelling takes 0.5 s.
const TIMING = { validatingMs: 1000, processingMs: 4000, finalizingMs: 1000, cancellingMs: 500 };

const PERSON_SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' }, email: { type: 'string', format: 'email' } },
  required: ['name', 'age', 'email'],
  additionalProperties: false,
};

function line(customId: string, text: string, extra: { model?: string; url?: string; body?: Record<string, unknown> } = {}) {
  return {
    custom_id: customId,
    method: 'POST',
    url: extra.url ?? '/v1/chat/completions',
    body: {
      model: extra.model ?? 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Extract the person.' },
        { role: 'user', content: text },
      ],
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema: PERSON_SCHEMA, strict: true } },
      ...extra.body,
    },
  };
}

const PEOPLE = [
  'John Doe is 25 years old and his email is john@example.com',
  'Jane Smith, age 30, can be reached at jane.smith@company.com',
  'Bob Wilson (bob.wilson@email.com) is 28 years old',
  'Alice Brown is 41, write to alice@brown.org',
];

let emu: Emulator;
let client: OpenAI;

async function upload(lines: unknown[]) {
  const jsonl = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  return client.files.create({ file: await toFile(Buffer.from(jsonl), 'batch.jsonl'), purpose: 'batch' });
}

async function submit(lines: unknown[], metadata?: Record<string, string>) {
  const file = await upload(lines);
  return client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata });
}

const peopleBatch = (prefix = 'p', metadata?: Record<string, string>) =>
  submit(
    PEOPLE.map((text, i) => line(`${prefix}-${i}`, text)),
    metadata,
  );

async function jsonlOf(fileId: string | null | undefined): Promise<any[]> {
  assert.ok(fileId, 'expected a file id');
  const text = await (await client.files.content(fileId)).text();
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

before(async () => {
  emu = await startEmulator({ faults: TIMING, now: () => clock });
  client = new OpenAI({ apiKey: 'x', baseURL: `${emu.url}/v1`, maxRetries: 0 });
});
after(() => emu.close());
beforeEach(() => {
  emu.reset();
  clock = T0;
});

describe('emulator: OpenAI files', () => {
  it('uploads JSONL from a Buffer, retrieves, lists, downloads and deletes it', async () => {
    const file = await upload([line('a', PEOPLE[0])]);
    assert.match(file.id, /^file-/);
    assert.equal(file.object, 'file');
    assert.equal(file.purpose, 'batch');
    assert.equal(file.filename, 'batch.jsonl');
    assert.equal(file.created_at, T0 / 1000);
    assert.equal(file.expires_at, T0 / 1000 + 30 * 86400, 'batch files expire after 30 days by default');

    const retrieved = await client.files.retrieve(file.id);
    assert.equal(retrieved.bytes, file.bytes);
    const content = await (await client.files.content(file.id)).text();
    assert.equal(JSON.parse(content.trim()).custom_id, 'a');

    const other = await client.files.create({
      file: await toFile(Buffer.from('x'), 'notes.txt'),
      purpose: 'user_data',
      expires_after: { anchor: 'created_at', seconds: 3600 },
    });
    assert.equal(other.expires_at, T0 / 1000 + 3600);
    const batchFiles = [];
    for await (const f of client.files.list({ purpose: 'batch' })) batchFiles.push(f.id);
    assert.deepEqual(batchFiles, [file.id]);

    const deleted = await client.files.delete(file.id);
    assert.deepEqual(deleted, { id: file.id, object: 'file', deleted: true });
    await assert.rejects(client.files.retrieve(file.id), NotFoundError);
  });

  it('rejects calls without a Bearer key with an OpenAI error body', async () => {
    const res = await fetch(`${emu.url}/v1/files`);
    assert.equal(res.status, 401);
    assert.ok(res.headers.get('x-request-id'));
    const body = (await res.json()) as { error: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.error).sort(), ['code', 'message', 'param', 'type']);
  });
});

describe('emulator: OpenAI batches', () => {
  it('walks validating -> in_progress -> finalizing -> completed with growing counts', async () => {
    const batch = await peopleBatch('p', { durabatch_tag: 'people' });
    assert.match(batch.id, /^batch_/);
    assert.equal(batch.status, 'validating');
    assert.deepEqual(batch.request_counts, { total: 0, completed: 0, failed: 0 });
    assert.equal(batch.expires_at, batch.created_at + 86400);
    assert.equal(batch.in_progress_at, null);
    assert.equal(batch.output_file_id, null);
    assert.deepEqual(batch.metadata, { durabatch_tag: 'people' });
    assert.equal(batch.model, 'gpt-4o-mini');

    advance(1000);
    let b = await client.batches.retrieve(batch.id);
    assert.equal(b.status, 'in_progress');
    assert.deepEqual(b.request_counts, { total: 4, completed: 0, failed: 0 });
    advance(2000); // 3 s: two items done
    b = await client.batches.retrieve(batch.id);
    assert.deepEqual(b.request_counts, { total: 4, completed: 2, failed: 0 });
    advance(2000); // 5 s
    b = await client.batches.retrieve(batch.id);
    assert.equal(b.status, 'finalizing');
    assert.equal(b.finalizing_at, (T0 + 5000) / 1000);
    assert.equal(b.output_file_id, null);
    advance(1000);
    b = await client.batches.retrieve(batch.id);
    assert.equal(b.status, 'completed');
    assert.equal(b.completed_at, (T0 + 6000) / 1000);
    assert.deepEqual(b.request_counts, { total: 4, completed: 4, failed: 0 });
    assert.equal(b.error_file_id, null, 'no error file when nothing failed');
    assert.ok(b.usage && b.usage.total_tokens > 0);

    const out = await jsonlOf(b.output_file_id);
    assert.deepEqual(
      out.map((l) => l.custom_id),
      ['p-0', 'p-1', 'p-2', 'p-3'],
    );
    const first = out[0];
    assert.match(first.id, /^batch_req_/);
    assert.equal(first.error, null);
    assert.equal(first.response.status_code, 200);
    assert.match(first.response.request_id, /^req_/);
    const choice = first.response.body.choices[0];
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(choice.message.refusal, null);
    assert.deepEqual(JSON.parse(choice.message.content), { name: 'John Doe', age: 25, email: 'john@example.com' });
    const usage = first.response.body.usage;
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);

    const outputFile = await client.files.retrieve(b.output_file_id!);
    assert.equal(outputFile.purpose, 'batch_output');
  });

  it('lists newest first and pages with after=<last id>', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await peopleBatch(`l${i}`)).id);
    const firstPage = await client.batches.list({ limit: 2 });
    assert.deepEqual(
      firstPage.data.map((b) => b.id),
      [ids[4], ids[3]],
    );
    assert.equal(firstPage.has_more, true);
    const seen: string[] = [];
    for await (const b of client.batches.list({ limit: 2 })) seen.push(b.id);
    assert.deepEqual(seen, [...ids].reverse());
  });

  it('cancel mid-flight keeps finished items and writes batch_cancelled lines for the rest', async () => {
    const batch = await peopleBatch('c');
    advance(3000); // 3 s: items 0 and 1 finished
    const cancelling = await client.batches.cancel(batch.id);
    assert.equal(cancelling.status, 'cancelling');
    assert.equal(cancelling.cancelling_at, (T0 + 3000) / 1000);
    advance(490);
    assert.equal((await client.batches.retrieve(batch.id)).status, 'cancelling');
    advance(10);
    const done = await client.batches.retrieve(batch.id);
    assert.equal(done.status, 'cancelled');
    assert.equal(done.cancelled_at, Math.floor((T0 + 3500) / 1000), 'Unix seconds, rounded down');
    assert.deepEqual(done.request_counts, { total: 4, completed: 2, failed: 2 });

    const out = await jsonlOf(done.output_file_id);
    assert.deepEqual(
      out.map((l) => l.custom_id),
      ['c-0', 'c-1'],
    );
    const errors = await jsonlOf(done.error_file_id);
    assert.deepEqual(
      errors.map((l) => [l.custom_id, l.response, l.error.code]),
      [
        ['c-2', null, 'batch_cancelled'],
        ['c-3', null, 'batch_cancelled'],
      ],
    );
    await assert.rejects(client.batches.cancel(batch.id), BadRequestError, 'a cancelled batch cannot be cancelled again');
  });

  it('expiry: the first half completes, the rest get the exact batch_expired line', async () => {
    emu.configure({ expire: true });
    const batch = await peopleBatch('e');
    advance(4990);
    assert.equal((await client.batches.retrieve(batch.id)).status, 'in_progress');
    advance(10);
    const b = await client.batches.retrieve(batch.id);
    assert.equal(b.status, 'expired');
    assert.equal(b.expired_at, (T0 + 5000) / 1000);
    assert.equal(b.finalizing_at, null);
    assert.equal((await jsonlOf(b.output_file_id)).length, 2);
    const errors = await jsonlOf(b.error_file_id);
    assert.equal(errors.length, 2);
    const { id, ...rest } = errors[0];
    assert.match(id, /^batch_req_/);
    assert.deepEqual(rest, {
      custom_id: 'e-2',
      response: null,
      error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
    });
  });

  it('batchFailure fault: validating -> failed with errors.data and no files', async () => {
    emu.configure({ batchFailure: true });
    const batch = await peopleBatch('f');
    advance(1000);
    const b = await client.batches.retrieve(batch.id);
    assert.equal(b.status, 'failed');
    assert.equal(b.failed_at, (T0 + 1000) / 1000);
    assert.equal(b.in_progress_at, null);
    assert.equal(b.errors?.data?.[0]?.code, 'invalid_request');
    assert.equal(b.output_file_id, null);
    assert.equal(b.error_file_id, null);
  });

  it('a bad input file fails the batch with line numbers; bad request params are a 400', async () => {
    const batch = await submit([
      line('x', PEOPLE[0]),
      line('x', PEOPLE[1]),
      line('y', PEOPLE[2], { model: 'gpt-4o' }),
      line('z', PEOPLE[3], { url: '/v1/embeddings' }),
    ]);
    advance(1000);
    const b = await client.batches.retrieve(batch.id);
    assert.equal(b.status, 'failed');
    assert.deepEqual(
      b.errors?.data?.map((e) => [e.code, e.line]),
      [
        ['duplicate_custom_id', 2],
        ['mismatched_model', 3],
        ['invalid_url', 4],
      ],
    );
    const file = await upload([line('a', PEOPLE[0])]);
    await assert.rejects(
      client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '48h' as '24h' }),
      BadRequestError,
    );
    const tooMuch = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    await assert.rejects(
      client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: tooMuch }),
      BadRequestError,
    );
    await assert.rejects(client.batches.retrieve('batch_nope'), NotFoundError);
  });

  it('fails the batch on a bad json_schema name or a schema strict mode rejects, with the line', async () => {
    const format = (json_schema: Record<string, unknown>) => ({ body: { response_format: { type: 'json_schema', json_schema } } });
    const open = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };
    const partial = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        tags: {
          type: 'array',
          items: {
            type: 'object',
            properties: { a: { type: 'string' }, b: { type: 'string' } },
            required: ['a'],
            additionalProperties: false,
          },
        },
      },
      required: ['name', 'tags'],
      additionalProperties: false,
    };
    const batch = await submit([
      line('ok', PEOPLE[0]),
      line('spaced', PEOPLE[1], format({ name: 'my schema', schema: PERSON_SCHEMA, strict: true })),
      line('long', PEOPLE[2], format({ name: 'n'.repeat(65), schema: PERSON_SCHEMA, strict: true })),
      line('unnamed', PEOPLE[3], format({ schema: PERSON_SCHEMA, strict: true })),
      line('open', PEOPLE[0], format({ name: 'open', schema: open, strict: true })),
      line('partial', PEOPLE[1], format({ name: 'partial', schema: partial, strict: true })),
      line('lenient', PEOPLE[2], format({ name: 'lenient', schema: open, strict: false })),
    ]);
    advance(1000);
    const b = await client.batches.retrieve(batch.id);
    assert.equal(b.status, 'failed');
    assert.deepEqual(
      b.errors?.data?.map((e) => [e.code, e.line, e.param]),
      [
        ['invalid_value', 2, 'body.response_format.json_schema.name'],
        ['string_above_max_length', 3, 'body.response_format.json_schema.name'],
        ['missing_required_parameter', 4, 'body.response_format.json_schema.name'],
        ['invalid_json_schema', 5, 'body.response_format'],
        ['invalid_json_schema', 6, 'body.response_format'],
      ],
      'a non-strict schema is not held to the strict rules',
    );
    const messages = b.errors!.data!.map((e) => e.message);
    assert.equal(
      messages[3],
      "Line 5: Invalid schema for response_format 'open': In context=(), 'additionalProperties' is required to be supplied and to be false.",
    );
    assert.equal(
      messages[4],
      "Line 6: Invalid schema for response_format 'partial': In context=('properties', 'tags', 'items'), 'required' is required to be supplied and to be an array including every key in properties. Missing 'b'.",
    );
  });

  it('fails a batch whose input file is not .jsonl or is over 200 MB', async () => {
    const jsonl = JSON.stringify(line('a', PEOPLE[0])) + '\n';
    const txt = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'batch.txt'), purpose: 'batch' });
    // Put straight into the store: uploading 200 MB through multipart would only slow the test down.
    emu.engine.putFile({
      id: 'file-huge',
      provider: 'openai',
      filename: 'huge.jsonl',
      purpose: 'batch',
      bytes: new Uint8Array(200 * 1024 * 1024 + 1),
    });
    const create = (id: string) => client.batches.create({ input_file_id: id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const [notJsonl, huge] = [await create(txt.id), await create('file-huge')];
    advance(1000);
    for (const [batch, code] of [
      [notJsonl, 'invalid_file_format'],
      [huge, 'file_too_large'],
    ] as const) {
      const b = await client.batches.retrieve(batch.id);
      assert.equal(b.status, 'failed');
      assert.deepEqual(
        b.errors?.data?.map((e) => [e.code, e.line]),
        [[code, null]],
      );
    }
  });

  it('httpErrors fault: 429 then 500 surface as the SDK error classes, then calls succeed', async () => {
    emu.configure({ httpErrors: { status: 429, count: 1 } });
    const rateLimited = await client.batches.list().catch((e: unknown) => e);
    assert.ok(rateLimited instanceof RateLimitError);
    assert.equal(rateLimited.headers.get('retry-after'), '0');
    await client.batches.list(); // the queue is used up

    emu.configure({ httpErrors: { status: 500, count: 2 } });
    await assert.rejects(client.files.list(), InternalServerError);
    await assert.rejects(upload([line('a', PEOPLE[0])]), InternalServerError);
    await upload([line('a', PEOPLE[0])]);

    // The admin API is not a provider call: it never consumes a fault.
    emu.configure({ httpErrors: { status: 500, count: 1 } });
    assert.equal((await fetch(`${emu.url}/_emulator/health`)).status, 200);
    await assert.rejects(client.batches.list(), InternalServerError);
  });

  it('item faults: error, invalid_json, schema_mismatch, refusal, truncated', async () => {
    emu.configure({
      itemFaults: [
        { match: 'err', fault: 'error' },
        { match: 'nojson', fault: 'invalid_json' },
        { match: 'mismatch', fault: 'schema_mismatch' },
        { match: 'refuse', fault: 'refusal' },
        { match: 'cut*', fault: 'truncated' },
      ],
    });
    const ids = ['err', 'nojson', 'mismatch', 'refuse', 'cut-1', 'fine'];
    const batch = await submit(ids.map((id, i) => line(id, PEOPLE[i % PEOPLE.length])));
    advance(6000);
    const b = await client.batches.retrieve(batch.id);
    assert.deepEqual(b.request_counts, { total: 6, completed: 5, failed: 1 });

    const [errLine] = await jsonlOf(b.error_file_id);
    assert.equal(errLine.custom_id, 'err');
    assert.equal(errLine.error, null);
    assert.equal(errLine.response.status_code, 500);
    assert.deepEqual(Object.keys(errLine.response.body.error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(errLine.response.body.error.type, 'server_error');

    const out = new Map((await jsonlOf(b.output_file_id)).map((l) => [l.custom_id, l.response.body.choices[0]]));
    assert.throws(() => JSON.parse(out.get('nojson').message.content));
    const mismatch = JSON.parse(out.get('mismatch').message.content);
    assert.notEqual(typeof mismatch.name, 'string', 'first required property has the wrong type');
    assert.equal(out.get('refuse').message.content, null);
    assert.match(out.get('refuse').message.refusal, /can't help/);
    assert.equal(out.get('cut-1').finish_reason, 'length');
    assert.throws(() => JSON.parse(out.get('cut-1').message.content));
    assert.deepEqual(JSON.parse(out.get('fine').message.content), {
      name: 'Jane Smith',
      age: 30,
      email: 'jane.smith@company.com',
    });
  });

  it('`times` and rateFaultTimes: faults hit the first submissions, resubmissions succeed', async () => {
    emu.configure({ itemFaults: [{ match: 'retry-*', fault: 'error', times: 1 }] });
    const lines = [line('retry-a', PEOPLE[0]), line('retry-b', PEOPLE[1])];
    const first = await submit(lines);
    const second = await submit(lines);
    advance(6000);
    assert.deepEqual((await client.batches.retrieve(first.id)).request_counts, { total: 2, completed: 0, failed: 2 });
    assert.deepEqual((await client.batches.retrieve(second.id)).request_counts, { total: 2, completed: 2, failed: 0 });

    emu.configure({ itemFaults: [], invalidJsonRate: 1, rateFaultTimes: 1 });
    const rated = [line('rate-a', PEOPLE[0])];
    const r1 = await submit(rated);
    const r2 = await submit(rated);
    advance(6000);
    const [bad] = await jsonlOf((await client.batches.retrieve(r1.id)).output_file_id);
    const [good] = await jsonlOf((await client.batches.retrieve(r2.id)).output_file_id);
    assert.throws(() => JSON.parse(bad.response.body.choices[0].message.content));
    assert.equal(JSON.parse(good.response.body.choices[0].message.content).name, 'John Doe');
  });

  it('stats count batches by provider and by tag (metadata.durabatch_tag, else the batch id)', async () => {
    await peopleBatch('s1', { durabatch_tag: 'job-1' });
    await peopleBatch('s2', { durabatch_tag: 'job-1' });
    const untagged = await peopleBatch('s3');
    assert.deepEqual(emu.stats(), {
      batchesCreated: 3,
      byProvider: { openai: 3, anthropic: 0, gemini: 0 },
      byTag: { 'job-1': 2, [untagged.id]: 1 },
    });
    const overHttp = await (await fetch(`${emu.url}/_emulator/stats`)).json();
    assert.deepEqual(overHttp, emu.stats());
  });

  it('createDelayMs: the batch exists before the create call answers', async () => {
    emu.configure({ createDelayMs: 150 });
    const file = await upload([line('d', PEOPLE[0])]);
    const pending = client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(emu.engine.list('openai').length, 1, 'registered while the answer is still delayed');
    const batch = await pending;
    assert.equal(batch.id, emu.engine.list('openai')[0].id);
  });

  it('is deterministic: the same calls give byte-identical output files', async () => {
    const run = async () => {
      emu.reset();
      clock = T0;
      emu.configure({ schemaMismatchRate: 0.3, invalidJsonRate: 0.3 });
      const batch = await submit(PEOPLE.map((text, i) => line(`det-${i}`, text)));
      advance(6000);
      const b = await client.batches.retrieve(batch.id);
      return { id: b.id, out: await (await client.files.content(b.output_file_id!)).text() };
    };
    assert.deepEqual(await run(), await run());
  });
});

describe('emulator: admin API', () => {
  it('GET/POST /_emulator/config merges patches; unknown keys are rejected', async () => {
    const res = await fetch(`${emu.url}/_emulator/config`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ itemErrorRate: 0.5 }),
    });
    const merged = (await res.json()) as Record<string, unknown>;
    assert.equal(merged.itemErrorRate, 0.5);
    assert.equal(merged.validatingMs, TIMING.validatingMs, 'constructor overrides survive a patch');
    const bad = await fetch(`${emu.url}/_emulator/config`, { method: 'POST', body: JSON.stringify({ itemErorRate: 1 }) });
    assert.equal(bad.status, 400);
    await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' });
    const after = (await (await fetch(`${emu.url}/_emulator/config`)).json()) as Record<string, unknown>;
    assert.equal(after.itemErrorRate, 0);
    assert.equal(after.validatingMs, TIMING.validatingMs);
  });
});
