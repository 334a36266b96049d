/**
 * The emulator's state directory: an emulator started again on the same `stateDir` (on another
 * port) answers for every batch and file made before, its batches keep walking on the clock, new ids
 * never repeat old ones, and a state file torn by a crash (or a real SIGKILL) still loads.
 * Driven by the real SDKs; time is a hand-moved clock shared by both emulators.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import { startChildEmulator, startEmulator, type Emulator } from '../../src/emulator';
import { GoogleGenAI } from '../../src/providers/gemini-sdk';

const T0 = 1_800_000_000_000;
let clock = T0;
const now = () => clock;
// Whole seconds: OpenAI's wire timestamps are Unix seconds.
const TIMING = { validatingMs: 1000, processingMs: 4000, finalizingMs: 1000, cancellingMs: 500 };
const SCHEMA = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
};

let dir: string;
let open: Emulator[] = [];

async function emulator(opts: { faults?: Record<string, unknown> } = {}): Promise<Emulator> {
  const emu = await startEmulator({ stateDir: dir, now, faults: { ...TIMING, ...opts.faults } });
  open.push(emu);
  return emu;
}

/** Closes `emu` and starts another on the same directory: a restart. */
async function restart(emu: Emulator): Promise<Emulator> {
  await emu.close();
  open = open.filter((e) => e !== emu);
  const next = await emulator();
  assert.notEqual(next.url, emu.url, 'another port');
  return next;
}

const openai = (emu: Emulator) => new OpenAI({ apiKey: 'x', baseURL: `${emu.url}/v1`, maxRetries: 0 });
const anthropic = (emu: Emulator) => new Anthropic({ apiKey: 'x', baseURL: emu.url, maxRetries: 0 });
const gemini = (emu: Emulator) => new GoogleGenAI({ apiKey: 'x', vertexai: false, httpOptions: { baseUrl: emu.url } });

function openaiLine(customId: string) {
  return {
    custom_id: customId,
    method: 'POST',
    url: '/v1/chat/completions',
    body: {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `${customId}: Alice Smith is 33` }],
      response_format: { type: 'json_schema', json_schema: { name: 'p', schema: SCHEMA, strict: true } },
    },
  };
}

async function openaiBatch(client: OpenAI, ids: string[], tag: string) {
  const jsonl = ids.map((id) => JSON.stringify(openaiLine(id))).join('\n') + '\n';
  const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), 'in.jsonl'), purpose: 'batch' });
  const batch = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    metadata: { durabatch_tag: tag },
  });
  return { file, batch };
}

async function openaiOutput(client: OpenAI, fileId: string | null | undefined) {
  assert.ok(fileId, 'an output file');
  return (await (await client.files.content(fileId)).text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const anthropicRequest = (customId: string) => ({
  custom_id: customId,
  params: { model: 'claude-test', max_tokens: 256, messages: [{ role: 'user' as const, content: `${customId}: Bob Jones is 44` }] },
});

const geminiRequest = (key: string) => ({
  contents: [{ role: 'user', parts: [{ text: `${key}: Carol King is 51` }] }],
  metadata: { key },
  config: { responseMimeType: 'application/json', responseJsonSchema: SCHEMA },
});

beforeEach(async () => {
  clock = T0;
  dir = await mkdtemp(join(tmpdir(), 'durabatch-emu-state-'));
});
afterEach(async () => {
  await Promise.all(open.map((e) => e.close()));
  open = [];
  await rm(dir, { recursive: true, force: true });
});

describe('emulator state directory', () => {
  it('OpenAI: batches, uploads and result files survive a restart; running batches finish; ids do not repeat', async () => {
    let emu = await emulator();
    let client = openai(emu);
    const done = await openaiBatch(client, ['a-0', 'a-1'], 'job/r1/a1/c0');
    clock += 7000;
    const before = await client.batches.retrieve(done.batch.id);
    assert.equal(before.status, 'completed');
    const running = await openaiBatch(client, ['b-0', 'b-1', 'b-2'], 'job/r1/a1/c1');
    const toCancel = await openaiBatch(client, ['c-0'], 'job/r1/a1/c2');
    clock += 2000; // `running` is in progress, one of its three items done

    emu = await restart(emu);
    client = openai(emu);
    const again = await client.batches.retrieve(done.batch.id);
    assert.equal(again.status, 'completed');
    assert.equal(again.output_file_id, before.output_file_id, 'the same result file');
    assert.deepEqual(
      (await openaiOutput(client, again.output_file_id)).map((l) => l.custom_id),
      ['a-0', 'a-1'],
    );
    assert.equal((await client.files.retrieve(done.file.id)).expires_at, before.created_at + 30 * 24 * 3600, 'expiry kept');
    assert.equal((await client.batches.retrieve(running.batch.id)).status, 'in_progress');
    assert.equal((await client.batches.cancel(toCancel.batch.id)).status, 'cancelling');

    clock += 5000;
    const finished = await client.batches.retrieve(running.batch.id);
    assert.equal(finished.status, 'completed', 'the state walk carried on over the restart');
    const answers = await openaiOutput(client, finished.output_file_id);
    assert.deepEqual(
      answers.map((l) => l.custom_id),
      ['b-0', 'b-1', 'b-2'],
    );
    assert.deepEqual(Object.keys(JSON.parse(answers[0].response.body.choices[0].message.content)).sort(), ['age', 'name']);
    assert.equal((await client.batches.retrieve(toCancel.batch.id)).status, 'cancelled');

    const listed = [];
    for await (const b of client.batches.list()) listed.push(b.id);
    assert.deepEqual(listed, [toCancel.batch.id, running.batch.id, done.batch.id], 'newest first, as before');

    const fresh = await openaiBatch(client, ['d-0'], 'job/r1/a2/c0');
    const oldIds = [done, running, toCancel].flatMap((x) => [x.batch.id, x.file.id]);
    oldIds.push(before.output_file_id!, finished.output_file_id!);
    assert.ok(!oldIds.includes(fresh.batch.id) && !oldIds.includes(fresh.file.id), `new ids ${fresh.batch.id}, ${fresh.file.id} are new`);
    assert.deepEqual(emu.stats().byProvider, { openai: 4, anthropic: 0, gemini: 0 });
    assert.equal(emu.stats().byTag['job/r1/a1/c1'], 1);
  });

  it('Anthropic: retrieve, list, results and cancel after a restart', async () => {
    let emu = await emulator();
    let client = anthropic(emu);
    const first = await client.messages.batches.create({ requests: [anthropicRequest('x-0'), anthropicRequest('x-1')] });
    const second = await client.messages.batches.create({ requests: [anthropicRequest('y-0')] });
    clock += 7000;
    assert.equal((await client.messages.batches.retrieve(first.id)).processing_status, 'ended');
    const third = await client.messages.batches.create({ requests: [anthropicRequest('z-0')] });

    emu = await restart(emu);
    client = anthropic(emu);
    const ended = await client.messages.batches.retrieve(first.id);
    assert.equal(ended.processing_status, 'ended');
    assert.deepEqual(ended.request_counts, { processing: 0, succeeded: 2, errored: 0, canceled: 0, expired: 0 });
    const lines = [];
    for await (const line of await client.messages.batches.results(first.id)) lines.push(line);
    assert.deepEqual(
      lines.map((l) => [l.custom_id, l.result.type]),
      [
        ['x-0', 'succeeded'],
        ['x-1', 'succeeded'],
      ],
    );
    const page = await client.messages.batches.list();
    assert.deepEqual(
      page.data.map((b) => b.id),
      [third.id, second.id, first.id],
    );
    assert.equal((await client.messages.batches.cancel(third.id)).processing_status, 'canceling');
    clock += 1000;
    assert.equal((await client.messages.batches.retrieve(third.id)).request_counts.canceled, 1);

    const fourth = await client.messages.batches.create({ requests: [anthropicRequest('w-0')] });
    assert.ok(![first.id, second.id, third.id].includes(fourth.id), `${fourth.id} is new`);
  });

  it('Gemini: inline and file batches, uploads and responses files after a restart', async () => {
    let emu = await emulator();
    let ai = gemini(emu);
    const inline = await ai.batches.create({
      model: 'gemini-test',
      src: [geminiRequest('g-0'), geminiRequest('g-1')],
      config: { displayName: 'job/r1/a1/c0' },
    });
    const body = ['f-0', 'f-1'].map(
      (key) => JSON.stringify({ key, request: { contents: [{ role: 'user', parts: [{ text: `${key}: Dan Ray 60` }] }] } }) + '\n',
    );
    const upload = await ai.files.upload({
      file: new Blob(body, { type: 'application/jsonl' }),
      config: { mimeType: 'application/jsonl' },
    });
    const fromFile = await ai.batches.create({ model: 'gemini-test', src: upload.name!, config: { displayName: 'job/r1/a1/c1' } });

    emu = await restart(emu);
    ai = gemini(emu);
    assert.equal((await ai.batches.get({ name: inline.name! })).state, 'JOB_STATE_PENDING');
    assert.equal((await ai.files.get({ name: upload.name! })).sizeBytes, String(Buffer.byteLength(body.join(''))));
    clock += 7000;
    const done = await ai.batches.get({ name: inline.name! });
    assert.equal(done.state, 'JOB_STATE_SUCCEEDED');
    assert.deepEqual(
      done.dest?.inlinedResponses?.map((r) => r.metadata?.key),
      ['g-0', 'g-1'],
    );
    const fileDone = await ai.batches.get({ name: fromFile.name! });
    assert.equal(fileDone.state, 'JOB_STATE_SUCCEEDED');
    const output = fileDone.dest?.fileName;

    emu = await restart(emu);
    ai = gemini(emu);
    assert.equal((await ai.batches.get({ name: fromFile.name! })).dest?.fileName, output, 'the responses file is written once');
    const res = await fetch(`${emu.url}/v1beta/${output}:download?alt=media`, { headers: { 'x-goog-api-key': 'x' } });
    assert.deepEqual(
      (await res.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).key),
      ['f-0', 'f-1'],
      'keys come back as they went in',
    );
    const names = [];
    for await (const b of await ai.batches.list()) names.push(b.name);
    assert.deepEqual(names, [fromFile.name, inline.name]);
    const fresh = await ai.batches.create({ model: 'gemini-test', src: [geminiRequest('g-2')], config: { displayName: 'job/r1/a2/c0' } });
    assert.ok(![inline.name, fromFile.name].includes(fresh.name), `${fresh.name} is new`);
  });

  it('keeps per-ID submission counts, stats and the fault config; faults given at start apply over the stored ones', async () => {
    let emu = await emulator();
    emu.configure({ itemFaults: [{ match: 'q-0', fault: 'invalid_json', times: 1 }], httpErrors: { status: 429, count: 2 } });
    await assert.rejects(openai(emu).files.list(), /429/);
    let client = openai(emu);
    await assert.rejects(client.files.list(), /429/);
    const first = await openaiBatch(client, ['q-0'], 'job/r1/a1/c0');

    await emu.close();
    open = [];
    emu = await emulator({ faults: { processingMs: 2000 } });
    client = openai(emu);
    assert.equal(emu.engine.faults.processingMs, 2000, 'the option given at start wins');
    assert.equal(emu.engine.faults.httpErrors.count, 0, 'the storm used up before the restart stays used up');
    assert.deepEqual(emu.engine.faults.itemFaults, [{ match: 'q-0', fault: 'invalid_json', times: 1 }]);
    const retry = await openaiBatch(client, ['q-0'], 'job/r1/a2/c0');
    clock += 10_000;
    const [bad] = await openaiOutput(client, (await client.batches.retrieve(first.batch.id)).output_file_id);
    const [good] = await openaiOutput(client, (await client.batches.retrieve(retry.batch.id)).output_file_id);
    assert.throws(() => JSON.parse(bad.response.body.choices[0].message.content), 'the first submission got the fault');
    assert.deepEqual(Object.keys(JSON.parse(good.response.body.choices[0].message.content)).sort(), ['age', 'name'], 'the second did not');
    assert.equal(emu.stats().batchesCreated, 2);

    emu.reset();
    emu = await restart(emu);
    assert.equal(emu.stats().batchesCreated, 0, 'a reset is stored too');
    assert.equal(emu.engine.faults.processingMs, TIMING.processingMs);
  });

  it('loads a state file torn in the middle of its last record, and keeps working on it', async () => {
    let emu = await emulator();
    const client = anthropic(emu);
    const kept = await client.messages.batches.create({ requests: [anthropicRequest('k-0')] });
    const torn = await client.messages.batches.create({ requests: [anthropicRequest('t-0')] });
    await emu.close();
    open = [];

    // A crash mid-append: the last record is cut short, without its newline.
    const log = join(dir, 'state.jsonl');
    const text = readFileSync(log, 'utf8');
    const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
    writeFileSync(log, text.slice(0, lastStart + Math.floor((text.length - lastStart) / 2)));

    emu = await emulator();
    assert.ok(emu.engine.get(kept.id), 'the whole records are there');
    assert.equal(emu.engine.get(torn.id), undefined, 'the torn one is not');
    const again = anthropic(emu);
    const next = await again.messages.batches.create({ requests: [anthropicRequest('n-0')] });
    emu = await restart(emu);
    const ids = (await anthropic(emu).messages.batches.list()).data.map((b) => b.id);
    assert.deepEqual(ids, [next.id, kept.id], 'appends after a torn record are not lost');
  });

  it('survives SIGKILL of an emulator process; a directory in use by a live emulator is refused', async () => {
    const faults = { ...TIMING, validatingMs: 60_000 }; // wall clock here: keep the batch in validating
    let child = await startChildEmulator({ stateDir: dir, faults });
    try {
      await assert.rejects(startEmulator({ stateDir: dir }), /in use by process/);
      let client = new OpenAI({ apiKey: 'x', baseURL: `${child.url}/v1`, maxRetries: 0 });
      const { batch } = await openaiBatch(client, ['s-0'], 'job/r1/a1/c0');
      await child.kill();
      child = await startChildEmulator({ stateDir: dir, faults, port: child.port });
      client = new OpenAI({ apiKey: 'x', baseURL: `${child.url}/v1`, maxRetries: 0 });
      assert.equal((await client.batches.retrieve(batch.id)).status, 'validating');
      assert.deepEqual((await child.stats()).byTag, { 'job/r1/a1/c0': 1 });
      await child.configure({ processingMs: 1234 });
    } finally {
      await child.stop();
    }
    const emu = await emulator();
    assert.equal(emu.engine.faults.processingMs, TIMING.processingMs, 'faults given at start apply over the stored ones');
    assert.equal(emu.stats().batchesCreated, 1);
  });
});
