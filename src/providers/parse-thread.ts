/**
 * The parse thread: a worker thread that turns the bytes of results downloads into raw results, so
 * that decoding, splitting and JSON-parsing every line (most of what reading a result costs) runs
 * beside the main thread's validating and storing instead of before it. See parsed-results.ts for
 * the other end and the protocol.
 */
import { StringDecoder } from 'node:string_decoder';
import { parentPort } from 'node:worker_threads';
import { LineSplitter } from '../store/line-batches';
import { packResults, type ResultColumns } from './result-columns';
import { readLines, type ResultFormat } from './result-readers';

/** Main thread -> here: a download's next bytes, its end, or its abandonment (no reply). */
export type ParseRequest =
  | { stream: number; format: ResultFormat; bytes: Uint8Array }
  | { stream: number; format: ResultFormat; end: true }
  | { stream: number; close: true };

/**
 * Here -> main thread, one per bytes or end request, in order: the lines read (blank ones too: the
 * progress count) and their results, packed by field (result-columns.ts: the main thread is the
 * busier side, and rebuilding objects key by key from a structured clone was its largest cost
 * after validating), or why the download cannot be read.
 */
export type ParseReply = { stream: number; lines: number; results: ResultColumns } | { stream: number; error: string };

interface Download {
  format: ResultFormat;
  /**
   * Node's StringDecoder, as the inline path's `Readable` with an encoding uses: it decodes a 64 KiB
   * read seven times faster than a streaming TextDecoder (measured 0.12 against 0.88 µs a line),
   * keeping a character split between two reads for the next, and U+FFFD for invalid bytes, as before.
   */
  decoder: StringDecoder;
  splitter: LineSplitter;
}

const downloads = new Map<number, Download>();
/**
 * Downloads that failed here, until the main thread closes them: the reads it had already sent
 * ahead are dropped unread (it stops at the error reply and wants no more).
 */
const failed = new Set<number>();

function downloadOf(stream: number, format: ResultFormat): Download {
  let d = downloads.get(stream);
  if (!d) {
    d = { format, decoder: new StringDecoder('utf8'), splitter: new LineSplitter() };
    downloads.set(stream, d);
  }
  return d;
}

function handle(req: ParseRequest): ParseReply | undefined {
  if ('close' in req) {
    downloads.delete(req.stream);
    failed.delete(req.stream);
    return undefined;
  }
  if (failed.has(req.stream)) return undefined;
  const d = downloadOf(req.stream, req.format);
  try {
    let lines: string[];
    if ('end' in req) {
      lines = d.splitter.push(d.decoder.end());
      lines.push(...d.splitter.end());
      downloads.delete(req.stream);
    } else lines = d.splitter.push(d.decoder.write(Buffer.from(req.bytes.buffer, req.bytes.byteOffset, req.bytes.byteLength)));
    return { stream: req.stream, lines: lines.length, results: packResults(readLines(lines, d.format)) };
  } catch (err) {
    downloads.delete(req.stream);
    failed.add(req.stream);
    return { stream: req.stream, error: err instanceof Error ? err.message : String(err) };
  }
}

parentPort?.on('message', (req: ParseRequest) => {
  const reply = handle(req);
  if (reply) parentPort!.postMessage(reply);
});
