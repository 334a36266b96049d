/**
 * A results download, read into raw results in batches. The reading (UTF-8 decode, line split,
 * JSON.parse and the provider's reader for every line: most of the cost of a result) runs in a
 * parse thread (parse-thread.ts) while this thread validates and stores the batches before: on a
 * machine with two cores or more, a fetch uses two. The body's bytes are handed over as they
 * arrive (moved, not copied), a few reads ahead, and the results come back in order, one batch
 * per read. With one core, or DURABATCH_PARSE_THREAD=off, the same readers run inline.
 *
 * One thread per process, started on first use, shared by every fetch in it, and keeping the
 * process alive only while it reads a download. If it dies, every download it was reading fails
 * (the fetch is retried) and the next download starts a new one.
 */
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Worker } from 'node:worker_threads';
import { bodyLineBatches } from './body-lines';
import type { ParseReply, ParseRequest } from './parse-thread';
import { unpackResults } from './result-columns';
import { readLines, type ResultFormat } from './result-readers';
import type { RawItemResult } from './types';

/** Reads handed to the thread before waiting for the first of their replies: it stays busy, and at most this many reads wait in memory. */
const AHEAD = 8;

type Body = ReadableStream<Uint8Array> | NodeReadableStream<Uint8Array>;

/** The non-blank lines of `body` read as `format`, a batch per read; `onLine` once per line read (blank ones too). */
export async function* parsedResults(body: Body, format: ResultFormat, onLine?: () => void): AsyncGenerator<RawItemResult[]> {
  const thread = parseThread();
  if (!thread) {
    for await (const lines of bodyLineBatches(body, onLine)) {
      const results = readLines(lines, format);
      if (results.length) yield results;
    }
    return;
  }
  const download = thread.open(format);
  try {
    let ahead = 0;
    const next = async () => {
      ahead -= 1;
      const { lines, results } = await download.next();
      for (let i = 0; i < lines; i++) onLine?.();
      return results;
    };
    for await (const bytes of body as NodeReadableStream<Uint8Array>) {
      download.send(bytes);
      ahead += 1;
      if (ahead < AHEAD) continue;
      const results = await next();
      if (results.length) yield results;
    }
    download.end();
    ahead += 1;
    while (ahead > 0) {
      const results = await next();
      if (results.length) yield results;
    }
  } finally {
    download.close();
  }
}

let shared: ParseThread | undefined;

/**
 * The thread runs parse-thread beside this file: .js from dist/; .ts from source, run under tsx,
 * whose loader does not reach worker threads by itself (Node 20), so the thread registers tsx's
 * require hook first.
 */
function startThread(): Worker {
  const source = join(__dirname, `parse-thread${extname(__filename)}`);
  if (extname(__filename) !== '.ts') return new Worker(source);
  const hook = require.resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(hook)}); require(${JSON.stringify(source)});`, { eval: true });
}

/** The process's parse thread (started now if there is none or it died), or undefined to read inline. */
function parseThread(): ParseThread | undefined {
  if (process.env.DURABATCH_PARSE_THREAD === 'off' || availableParallelism() < 2) return undefined;
  if (!shared || shared.dead) shared = new ParseThread();
  return shared;
}

/**
 * Stops the process's parse thread, if it runs: downloads it was reading fail, the next one starts
 * a new thread. For a clean shutdown, and for tests of a thread that dies.
 */
export async function stopParseThread(): Promise<void> {
  const thread = shared;
  shared = undefined;
  await thread?.stop();
}

/** The replies of one download, in order, as they come. */
class Replies {
  private readonly queue: ParseReply[] = [];
  private waiter?: { resolve: (r: ParseReply) => void; reject: (e: Error) => void };
  private failure?: Error;

  put(reply: ParseReply): void {
    if (this.waiter) {
      this.waiter.resolve(reply);
      this.waiter = undefined;
    } else this.queue.push(reply);
  }

  fail(err: Error): void {
    this.failure = err;
    this.waiter?.reject(err);
    this.waiter = undefined;
  }

  take(): Promise<ParseReply> {
    const reply = this.queue.shift();
    if (reply) return Promise.resolve(reply);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }
}

class ParseThread {
  dead = false;
  private readonly worker: Worker;
  private readonly downloads = new Map<number, Replies>();
  private lastStream = 0;

  constructor() {
    this.worker = startThread();
    this.worker.on('message', (reply: ParseReply) => this.downloads.get(reply.stream)?.put(reply));
    this.worker.on('error', (err) => this.die(err));
    this.worker.on('exit', (code) => this.die(new Error(`the parse thread stopped (exit code ${code})`)));
    // Idle, the thread never keeps the process alive; reading a download, it does (see open).
    // After the listeners: adding a 'message' listener refs the thread's port again.
    this.worker.unref();
  }

  open(format: ResultFormat) {
    const stream = ++this.lastStream;
    const replies = new Replies();
    if (this.downloads.size === 0) this.worker.ref();
    this.downloads.set(stream, replies);
    const post = (req: ParseRequest, transfer: ArrayBuffer[] = []) => {
      if (!this.dead) this.worker.postMessage(req, transfer);
    };
    return {
      send: (bytes: Uint8Array) => {
        // Moved, not copied, when the view is its whole buffer (as a body's reads are); else the view alone is copied.
        const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
        post({ stream, format, bytes: own }, [own.buffer as ArrayBuffer]);
      },
      end: () => post({ stream, format, end: true }),
      next: async (): Promise<{ lines: number; results: RawItemResult[] }> => {
        const reply = await replies.take();
        if ('error' in reply) throw new Error(`reading the results download failed: ${reply.error}`);
        return { lines: reply.lines, results: unpackResults(reply.results) };
      },
      close: () => {
        if (!this.downloads.delete(stream)) return;
        post({ stream, close: true });
        if (this.downloads.size === 0) this.worker.unref();
      },
    };
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }

  private die(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    for (const replies of this.downloads.values()) replies.fail(err);
    this.downloads.clear();
  }
}
