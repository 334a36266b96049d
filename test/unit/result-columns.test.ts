import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { packResults, unpackResults } from '../../src/providers/result-columns';
import type { RawItemResult } from '../../src/providers/types';
import { ITEM_ERROR_TYPES } from '../../src/types';

/** Every shape a reader gives: each finish reason and error type, with and without the optional fields. */
const RESULTS: RawItemResult[] = [
  { customId: 'a', kind: 'message', text: '{"x":1}', finishReason: 'stop', usage: { inputTokens: 12, outputTokens: 7 } },
  { customId: 'b', kind: 'message', text: null, finishReason: 'other' },
  { customId: 'c', kind: 'message', text: '', finishReason: 'length', usage: { inputTokens: 0, outputTokens: 0 } },
  {
    customId: 'd',
    kind: 'message',
    text: null,
    finishReason: 'refusal',
    refusal: 'I cannot help with that',
    usage: { inputTokens: 3, outputTokens: 1 },
  },
  { customId: 'e', kind: 'message', text: 'partial', finishReason: 'refusal', refusal: '' },
  // Token counts beyond 32 bits and fractions come back as they were read.
  {
    customId: 'naïve 日本 😀',
    kind: 'message',
    text: '{"name":"😀"}',
    finishReason: 'stop',
    usage: { inputTokens: 2 ** 40, outputTokens: 0.5 },
  },
  ...ITEM_ERROR_TYPES.flatMap((errorType, i): RawItemResult[] => [
    { customId: `err-${errorType}`, kind: 'error', errorType, message: `HTTP 500: ${errorType}`, retryable: true },
    { customId: `final-${i}`, kind: 'error', errorType, message: '', retryable: false },
  ]),
];

/** A structured clone, as postMessage between threads makes it. */
function clone<T>(value: T): T {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(value);
  const copy = receiveMessageOnPort(port2)!.message as T;
  port1.close();
  return copy;
}

describe('result columns', () => {
  it('give back every result field for field, in the readers’ key order, across a thread boundary', () => {
    const back = unpackResults(clone(packResults(RESULTS)));
    assert.deepEqual(back, RESULTS);
    // Key order too: what is built from a result (an outcome line) does not depend on the path it took.
    assert.deepEqual(
      back.map((r) => Object.keys(r)),
      RESULTS.map((r) => Object.keys(r)),
    );
  });

  it('pack an empty batch', () => {
    assert.deepEqual(unpackResults(clone(packResults([]))), []);
  });

  it('refuse a finish reason or error type the results do not have, instead of mislabelling it', () => {
    const madeUp = { customId: 'x', kind: 'message', text: null, finishReason: 'timeout' } as unknown as RawItemResult;
    assert.throws(() => packResults([madeUp]), /unknown finish reason "timeout"/);
    const badType = { customId: 'y', kind: 'error', errorType: 'oops', message: 'm', retryable: true } as unknown as RawItemResult;
    assert.throws(() => packResults([badType]), /unknown error type "oops"/);
  });
});
