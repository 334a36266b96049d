import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CustomIdIndex } from '../../src/providers/custom-id-index';

describe('CustomIdIndex', () => {
  it('finds every ID at its position and nothing else, across table sizes', () => {
    for (const n of [0, 1, 2, 7, 8, 9, 1_000, 50_000]) {
      const ids = Array.from({ length: n }, (_, i) => `request-${i}`);
      const index = new CustomIdIndex(ids);
      assert.equal(index.size, n);
      assert.deepEqual([...index], ids);
      for (let pos = 0; pos < n; pos++) {
        // A copy, not the same string: lookups compare characters, as they must for IDs read from a results file.
        const probe = ids[pos]!.split('').join('');
        assert.equal(index.position(probe), pos);
        assert.equal(index.at(pos), ids[pos]);
      }
      for (const stranger of ['', 'request-', `request-${n}`, 'request-01', 'Request-0', 'request-0 ', `request-${n}0`])
        assert.equal(index.position(stranger), -1, `${JSON.stringify(stranger)} among ${n}`);
    }
  });

  it('tells apart IDs that are prefixes of one another or differ only in a wide character', () => {
    const ids = ['a', 'ab', 'abc', '', 'naïve', 'naive', '日本', '日本語', '😀', '\uD83D', 'x'.repeat(64)];
    const index = new CustomIdIndex(ids);
    for (const [pos, id] of ids.entries()) assert.equal(index.position(id), pos, JSON.stringify(id));
    assert.equal(index.has('abcd'), false);
    assert.equal(index.has('😀😀'), false);
    assert.equal(index.has('x'.repeat(63)), false);
  });

  it('a repeated ID stands for its last position, as a Map would', () => {
    const index = new CustomIdIndex(['a', 'b', 'a']);
    assert.equal(index.position('a'), 2);
    assert.equal(index.position('b'), 1);
    assert.deepEqual([...index], ['a', 'b', 'a']);
  });

  it('refuses a position it does not have', () => {
    const index = new CustomIdIndex(['a']);
    assert.throws(() => index.at(1), RangeError);
    assert.throws(() => index.at(-1), RangeError);
  });
});
