import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadableStream } from 'node:stream/web';
import { bodyLineBatches } from '../../src/providers/body-lines';
import { jsonlParts } from '../../src/providers/jsonl-blob';
import { joinBatches } from '../helpers/adapter-fixtures';

/** A response body that arrives in the given byte pieces (splits may fall inside a character or a `\r\n`). */
function bodyOf(pieces: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const p of pieces) controller.enqueue(p);
      controller.close();
    },
  });
}

function splitEvery(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

const collect = joinBatches<string>;

/** The size of each batch a body of these pieces is read in. */
const readsOf = async (pieces: Uint8Array[]) => {
  const sizes: number[] = [];
  for await (const batch of bodyLineBatches(bodyOf(pieces))) sizes.push(batch.length);
  return sizes;
};

describe('bodyLineBatches', () => {
  const text = 'a\nb\r\nc\rd\n\n   \nü✓𝄞 wide\r\nlast';
  const expected = ['a', 'b', 'c', 'd', 'ü✓𝄞 wide', 'last'];

  it('yields the non-blank lines readline would, whatever the pieces the body comes in', async () => {
    const bytes = new TextEncoder().encode(text);
    for (const size of [1, 2, 3, 5, 7, bytes.length]) {
      assert.deepEqual(await collect(bodyLineBatches(bodyOf(splitEvery(bytes, size)))), expected, `pieces of ${size} bytes`);
    }
  });

  it('hands on one batch per read that ends a line, not one per line', async () => {
    const enc = (t: string) => new TextEncoder().encode(t);
    // The stream may join pieces that arrive together into one read, never split one into lines apart.
    const sizes = await readsOf([enc('a\nb\nc\n'), enc('d\ne'), enc('f\n'), enc('\n\n')]);
    assert.ok(sizes.length <= 3, `at most one batch per piece that ends a non-blank line, got ${sizes.join(', ')}`);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      5,
    ); // a, b, c, d, ef
  });

  it('counts every line read, blank ones too (the progress the fetch heartbeats on)', async () => {
    let count = 0;
    await collect(bodyLineBatches(bodyOf([new TextEncoder().encode(text)]), () => (count += 1)));
    assert.equal(count, 8);
  });

  it('ends with the error of a body that fails part way (the fetch is retried, not cut short quietly)', async () => {
    // The first read gets data, the next one the error (an error in start() would discard queued data).
    let reads = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (reads++ === 0) controller.enqueue(new TextEncoder().encode('one\ntwo\nthr'));
        else controller.error(new Error('connection reset'));
      },
    });
    await assert.rejects(collect(bodyLineBatches(body)), /connection reset/);
  });
});

describe('jsonlParts', () => {
  it('makes a body byte for byte the lines joined, over several groups', async () => {
    const items = Array.from({ length: 2_345 }, (_, i) => ({ i, s: i % 7 === 0 ? 'ü✓𝄞' : 'x' }));
    const line = (x: { i: number; s: string }) => `${JSON.stringify(x)}\n`;
    const parts = jsonlParts(items, line);
    assert.equal(parts.length, 3);
    assert.equal(await new Blob(parts).text(), items.map(line).join(''));
    assert.deepEqual(jsonlParts([], line), []);
  });
});
