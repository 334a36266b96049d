/**
 * A chunk's custom IDs in order, with each one's position by ID: what reading a chunk's results
 * needs. A fetch holds one for the whole download (up to 100,000 IDs), long enough for the
 * collector to move it to the old generation, where it stays as garbage until the next full
 * collection: kept as an array of `{ idx, customId }` objects and a Map, each chunk left about
 * 115 bytes an ID there (6 MB per 50,000), and over a 1,000,000-request job those were most of
 * the worker's heap growth. Here the IDs are one string, their starts one typed array and the
 * lookup an open-addressing hash table of another: about 12 heap bytes an ID (measured), no
 * object per ID, and a lookup that allocates nothing.
 */
export class CustomIdIndex implements Iterable<string> {
  readonly size: number;
  /** Every ID, one after another. */
  private readonly text: string;
  /** Where ID `pos` starts in `text` (and, at `size`, where the last one ends). */
  private readonly starts: Int32Array;
  /** Position + 1 by hash slot; 0 is an empty slot. At most half full, so probes stay short. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(ids: readonly string[]) {
    this.size = ids.length;
    this.text = ids.join('');
    this.starts = new Int32Array(ids.length + 1);
    let at = 0;
    for (let pos = 0; pos < ids.length; pos++) {
      this.starts[pos] = at;
      at += ids[pos]!.length;
    }
    this.starts[ids.length] = at;
    let capacity = 8;
    while (capacity < ids.length * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    // A repeated ID keeps its last position, as Map.set would.
    for (let pos = 0; pos < ids.length; pos++) this.slots[this.slotOf(ids[pos]!)] = pos + 1;
  }

  /** The ID at `pos` (0 <= pos < size). */
  at(pos: number): string {
    if (!(pos >= 0 && pos < this.size)) throw new RangeError(`no custom ID at position ${pos} of ${this.size}`);
    return this.text.slice(this.starts[pos]!, this.starts[pos + 1]!);
  }

  /** The position of `id`, or -1 if it is not one of these IDs. */
  position(id: string): number {
    return this.slots[this.slotOf(id)]! - 1;
  }

  has(id: string): boolean {
    return this.position(id) >= 0;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let pos = 0; pos < this.size; pos++) yield this.at(pos);
  }

  /** The slot that holds `id`, or the empty slot where it would go (linear probing). */
  private slotOf(id: string): number {
    for (let slot = hashOf(id) & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.slots[slot]!;
      if (entry === 0 || this.holds(entry - 1, id)) return slot;
    }
  }

  private holds(pos: number, id: string): boolean {
    const start = this.starts[pos]!;
    return this.starts[pos + 1]! - start === id.length && this.text.startsWith(id, start);
  }
}

/** FNV-1a over the UTF-16 code units: fast for short keys, and spreads similar IDs (`req-1`, `req-2`) apart. */
function hashOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
