import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { textLineBatches } from '../store/line-batches';

/**
 * The non-blank lines of a downloaded results file as they stream in, one batch per read. Split a
 * read at a time (textLineBatches), not through readline, whose event and promise per line cost
 * more than reading the line does on a 50,000-line file; and handed on as batches, so each layer
 * above (the adapter, the fetch) awaits once per read, not once per line: inside an activity every
 * promise also runs the async-context hooks. An aborted download (the body stream errors) ends the
 * iteration with that error.
 */
export async function* bodyLineBatches(
  body: ReadableStream<Uint8Array> | NodeReadableStream,
  onLine?: () => void,
): AsyncGenerator<string[]> {
  const input = Readable.fromWeb(body as NodeReadableStream, { encoding: 'utf8' });
  try {
    for await (const lines of textLineBatches(input as AsyncIterable<string>)) {
      const kept: string[] = [];
      for (const line of lines) {
        onLine?.();
        if (line.trim()) kept.push(line);
      }
      if (kept.length) yield kept;
    }
  } finally {
    input.destroy();
  }
}
