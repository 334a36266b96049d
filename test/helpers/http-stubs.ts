/** Tiny loopback HTTP servers for provider tests that the emulator cannot stand in for. */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the hanging server holds, and when the client dropped it (closed its connection). */
export interface HeldRequest {
  req: IncomingMessage;
  dropped: Promise<void>;
}

export interface HangingServer {
  url: string;
  /** Requests received so far. */
  readonly received: number;
  /** The next request the server receives (or the oldest held one not handed out yet). */
  nextRequest(): Promise<HeldRequest>;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * A provider that accepts every request and never answers: only the caller's abort signal can end
 * a call to it (the OpenAI and Anthropic SDKs time out after 10 minutes, @google/genai never).
 */
export async function hangingServer(): Promise<HangingServer> {
  let received = 0;
  const unseen: HeldRequest[] = [];
  const waiting: Array<(held: HeldRequest) => void> = [];
  const server = createServer((req) => {
    received += 1;
    const held = { req, dropped: new Promise<void>((resolve) => req.socket.once('close', () => resolve())) };
    const waiter = waiting.shift();
    if (waiter) waiter(held);
    else unseen.push(held);
  });
  const url = await listen(server);
  return {
    url,
    get received() {
      return received;
    },
    nextRequest: () => {
      const held = unseen.shift();
      return held ? Promise.resolve(held) : new Promise((resolve) => waiting.push(resolve));
    },
    close: () => shut(server),
  };
}

/**
 * A pass-through proxy in front of the emulator that rewrites the bodies of answers whose path
 * ends with `/results` (an Anthropic results file). The Host header goes through unchanged, so
 * the emulator's results_url points back at the proxy and the SDK fetches the file through it.
 */
export async function resultsRewritingProxy(
  target: string,
  rewrite: (body: string) => string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const upstream = request(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (answer) => {
      if (!req.url?.split('?')[0]!.endsWith('/results')) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        const { 'content-length': _length, ...headers } = answer.headers;
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(rewrite(Buffer.concat(chunks).toString('utf8')));
      });
    });
    upstream.on('error', (err) => res.destroy(err));
    req.pipe(upstream);
  });
  const url = await listen(server);
  return { url, close: () => shut(server) };
}
