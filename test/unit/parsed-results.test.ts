import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ReadableStream } from 'node:stream/web';
import { afterEach, describe, it } from 'node:test';
import { parsedResults, stopParseThread } from '../../src/providers/parsed-results';
import { RESULT_READERS, type ResultFormat } from '../../src/providers/result-readers';
import type { RawItemResult } from '../../src/providers/types';
import { joinBatches } from '../helpers/adapter-fixtures';

const ok = (id: string, content: string) =>
  JSON.stringify({
    id: `batch_req_${id}`,
    custom_id: id,
    response: {
      status_code: 200,
      body: { choices: [{ message: { content }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2 } },
    },
    error: null,
  });

/** An OpenAI output file with what downloads bring: CRLF and blank lines, wide characters, a broken line, one naming no item, no last line end. */
const FILE = [
  ok('a', '{"name":"naïve — 日本 😀"}'),
  '',
  ok('b', '{"x":1}') + '\r',
  '{"custom_id":"broken","response":{"status_co',
  '{"not":"a result line"',
  '   ',
  ok('c', '{}'),
].join('\n');

/** A body that arrives in `size`-byte reads (splits fall inside characters and `\r\n`). */
function bodyOf(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, (at += size)));
    },
  });
}

const collect = joinBatches<RawItemResult>;

/** What reading the file a line at a time gives: the readers are the reference. */
function expected(format: ResultFormat, text: string): RawItemResult[] {
  return text
    .split(/\r\n|\r|\n/)
    .filter((l) => l.trim())
    .flatMap((l) => RESULT_READERS[format](l) ?? []);
}

function inMode<T>(mode: 'thread' | 'inline', run: () => Promise<T>): Promise<T> {
  if (mode === 'inline') process.env.DURABATCH_PARSE_THREAD = 'off';
  return run().finally(() => delete process.env.DURABATCH_PARSE_THREAD);
}

describe('parsedResults', () => {
  afterEach(() => stopParseThread());

  for (const mode of ['thread', 'inline'] as const) {
    it(`${mode}: reads every line as the provider's reader does, whatever the reads the body comes in`, async () => {
      const want = expected('openai', FILE);
      assert.deepEqual(
        want.map((r) => [r.customId, r.kind]),
        [
          ['a', 'message'],
          ['b', 'message'],
          ['broken', 'error'],
          ['c', 'message'],
        ],
      );
      for (const size of [1, 3, 7, 64, 1 << 16]) {
        let lines = 0;
        const got = await inMode(mode, () => collect(parsedResults(bodyOf(FILE, size), 'openai', () => (lines += 1))));
        assert.deepEqual(got, want, `reads of ${size} bytes`);
        assert.equal(lines, 7, 'every line read counts, blank ones too');
      }
    });

    it(`${mode}: bytes that are not UTF-8 read as U+FFFD, also where the body ends inside a character`, async () => {
      const [head, tail] = [ok('a', '{"x":"AB"}'), ok('b', '{}')].map((l) => Buffer.from(`${l}\n`));
      // 0xFF is never UTF-8; 0xE6 0x97 starts a three-byte character the body never finishes.
      const at = head!.indexOf('AB') + 1;
      const bytes = Buffer.concat([head!.subarray(0, at), Buffer.from([0xff]), head!.subarray(at), tail!, Buffer.from([0xe6, 0x97])]);
      const want = expected('openai', bytes.toString('utf8'));
      assert.deepEqual(
        want.map((r) => r.kind === 'message' && r.text),
        ['{"x":"A\uFFFDB"}', '{}'],
      );
      // The unfinished character is a last line of its own, which names no item.
      assert.ok(bytes.toString('utf8').endsWith('\n\uFFFD'));
      for (const size of [1, 2, 5, 1 << 16]) {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let at = 0; at < bytes.length; at += size) controller.enqueue(new Uint8Array(bytes.subarray(at, at + size)));
            controller.close();
          },
        });
        assert.deepEqual(await inMode(mode, () => collect(parsedResults(body, 'openai'))), want, `reads of ${size} bytes`);
      }
    });

    it(`${mode}: a line the reader cannot take fails the download with the reader's error`, async () => {
      // JSON, but not an object: the reader's TypeError is a defect to report, not an item to mark.
      await assert.rejects(
        inMode(mode, () => collect(parsedResults(bodyOf(`${ok('a', '{}')}\nnull\n`, 16), 'openai'))),
        /null/,
      );
    });
  }

  it('after a download fails in the thread, the reads sent ahead for it are dropped and the next download reads whole', async () => {
    const rest = Array.from({ length: 5_000 }, (_, i) => ok(`r${i}`, '{}')).join('\n');
    await assert.rejects(collect(parsedResults(bodyOf(`null\n${rest}`, 1024), 'openai')), /null/);
    assert.equal((await collect(parsedResults(bodyOf(rest, 1024), 'openai'))).length, 5_000);
  });

  it('reads several downloads at once through the one thread, each in its own order', async () => {
    const files = Array.from({ length: 4 }, (_, f) => Array.from({ length: 3_000 }, (_, i) => ok(`f${f}-${i}`, '{}')).join('\n'));
    const results = await Promise.all(files.map((text) => collect(parsedResults(bodyOf(text, 4096), 'openai'))));
    for (const [f, got] of results.entries())
      assert.deepEqual(
        got.map((r) => r.customId),
        Array.from({ length: 3_000 }, (_, i) => `f${f}-${i}`),
      );
  });

  it('a download stopped early leaves the thread to the next one', async () => {
    const text = Array.from({ length: 5_000 }, (_, i) => ok(`r${i}`, '{}')).join('\n');
    for await (const batch of parsedResults(bodyOf(text, 4096), 'openai')) {
      assert.ok(batch.length > 0);
      break;
    }
    assert.equal((await collect(parsedResults(bodyOf(text, 4096), 'openai'))).length, 5_000);
  });

  it('a thread that dies fails the downloads it was reading; the next download gets a new thread', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => ok(`r${i}`, '{}')).join('\n');
    const reading = collect(parsedResults(bodyOf(text, 4096), 'openai'));
    // Stopped while the download is under way (its first batch has not even been asked for yet).
    await new Promise((r) => setImmediate(r));
    await stopParseThread();
    await assert.rejects(reading, /parse thread stopped/);
    assert.equal((await collect(parsedResults(bodyOf(text, 4096), 'openai'))).length, 20_000);
  });

  for (const format of ['anthropic', 'gemini'] as const) {
    it(`${format}: the thread reads as the inline reader does`, async () => {
      const line =
        format === 'anthropic'
          ? JSON.stringify({
              custom_id: 'x',
              result: { type: 'succeeded', message: { content: [{ type: 'text', text: '{}' }], stop_reason: 'end_turn', usage: {} } },
            })
          : JSON.stringify({ key: 'x', response: { candidates: [{ content: { parts: [{ text: '{}' }] }, finishReason: 'STOP' }] } });
      const text = `${line}\n{"custom_id":"y","key":"y",\n`;
      const got = await collect(parsedResults(bodyOf(text, 5), format));
      assert.deepEqual(got, expected(format, text));
      assert.equal(got.length, 2);
    });
  }

  it('an idle thread never keeps the process alive', () => {
    // A process that reads one download and then has nothing left to do must end on its own.
    const script = `
      const { parsedResults } = require(${JSON.stringify(join(__dirname, '../../src/providers/parsed-results'))});
      const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(${JSON.stringify(`${ok('a', '{}')}\n`)})); c.close(); } });
      (async () => { for await (const b of parsedResults(body, 'openai')) console.log(b.length); })();
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.signal, null, 'ended on its own, not by the timeout');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '1');
  });
});
