import { createReadStream } from 'node:fs';

const LINE_END = /\r\n|\r|\n/;

/**
 * Text in pieces of any size -> whole lines. Lines end at `\n`, `\r\n` or a lone `\r`, as readline
 * (crlfDelay: Infinity) reads them; a last line with no end counts if it is not empty. Synchronous,
 * so a stream's reader (here, or the parse thread) splits a read at a time.
 */
export class LineSplitter {
  private rest = '';

  /** The lines this piece ends. */
  push(text: string): string[] {
    let whole = this.rest + text;
    // A `\r` at the end may be the first half of a `\r\n` split across two reads: held back.
    const held = whole.endsWith('\r') ? '\r' : '';
    if (held) whole = whole.slice(0, -1);
    // JSON writers escape `\r`: the plain split is the common path.
    const lines = whole.includes('\r') ? whole.split(LINE_END) : whole.split('\n');
    // The last piece is a line still being read.
    this.rest = lines.pop()! + held;
    return lines;
  }

  /** The last line, if the text did not end with a line end. */
  end(): string[] {
    const rest = this.rest;
    this.rest = '';
    return rest ? [rest.endsWith('\r') ? rest.slice(0, -1) : rest] : [];
  }
}

/**
 * The lines of a file from byte `start`, a batch per read: split here, synchronously, instead of
 * one readline event and promise per line (the store reads a chunk's 50,000 IDs on every fetch).
 * Stopping early (return, break) closes the file.
 */
export async function* lineBatches(path: string, start = 0): AsyncGenerator<string[]> {
  const input = createReadStream(path, { start, encoding: 'utf8', highWaterMark: 256 * 1024 });
  try {
    yield* textLineBatches(input as AsyncIterable<string>);
  } finally {
    input.destroy();
  }
}

/** Decoded text, in pieces of any size, as batches of lines (one batch per piece that ends at least one line). */
export async function* textLineBatches(pieces: AsyncIterable<string>): AsyncGenerator<string[]> {
  const splitter = new LineSplitter();
  for await (const text of pieces) {
    const lines = splitter.push(text);
    if (lines.length) yield lines;
  }
  const last = splitter.end();
  if (last.length) yield last;
}
