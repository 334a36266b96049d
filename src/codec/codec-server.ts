/**
 * A Temporal codec server: lets the Web UI (and `temporal ... --codec-endpoint URL`) show the
 * payloads the codec encrypted. Protocol: `POST /encode` and `POST /decode`, body and answer
 * `{ "payloads": [{ "metadata": { "<key>": "<base64>" }, "data": "<base64>" }] }` (a
 * `temporal.api.common.v1.Payloads` in proto JSON). The browser calls it from the UI's origin,
 * so CORS allows that origin (with the `X-Namespace` and `Content-Type` headers the UI sends).
 *
 * Whoever can reach /decode can read every payload: bind it to localhost (the default) or put it
 * behind authentication.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { Hono } from 'hono';
import { cors } from 'hono/cors';

export const DEFAULT_UI_ORIGIN = 'http://localhost:8233';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** 0 picks a free port; default 8888. */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** The Web UI origin(s) the browser calls from (default http://localhost:8233). */
  uiOrigins?: string | string[];
  /** Told about every refused or failed request (default: silent). */
  log?: (message: string) => void;
}

export interface CodecServer {
  /** http://HOST:PORT, no trailing slash: the value of `--ui-codec-endpoint`. */
  url: string;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

class BadRequest extends Error {}

function fromJson(value: unknown, i: number): Payload {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest(`payloads[${i}] is not an object`);
  const { metadata, data } = value as JsonPayload;
  if (data != null && typeof data !== 'string') throw new BadRequest(`payloads[${i}].data must be a base64 string`);
  if (metadata != null && (typeof metadata !== 'object' || Array.isArray(metadata)))
    throw new BadRequest(`payloads[${i}].metadata must be an object of base64 strings`);
  const meta: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(metadata ?? {})) {
    if (typeof v !== 'string') throw new BadRequest(`payloads[${i}].metadata.${k} must be a base64 string`);
    meta[k] = Buffer.from(v, 'base64');
  }
  return { metadata: meta, data: Buffer.from(data ?? '', 'base64') };
}

function toJson({ metadata, data }: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  };
}

/** The codec server's routes (no listening socket: tests and embedders can call `app.fetch`). */
export function buildCodecApp(options: Pick<CodecServerOptions, 'codec' | 'uiOrigins' | 'log'>): Hono {
  const origins = [options.uiOrigins ?? DEFAULT_UI_ORIGIN].flat().map((o) => o.replace(/\/+$/, ''));
  const log = options.log ?? (() => undefined);
  const app = new Hono();
  app.use(
    '*',
    cors({
      origin: (origin) => (origins.includes(origin) ? origin : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['X-Namespace', 'Content-Type'],
      credentials: true, // the UI's "include cross-origin credentials" setting
      maxAge: 600,
    }),
  );
  // A browser on another site gets no CORS answer; refuse its request outright too (tools send no Origin).
  app.use('*', async (c, next) => {
    const origin = c.req.header('origin');
    if (origin && !origins.includes(origin)) {
      log(`codec server: refused a request from origin ${origin} (allowed: ${origins.join(', ')})`);
      return c.json({ error: `origin ${origin} is not allowed` }, 403);
    }
    await next();
  });
  for (const op of ['encode', 'decode'] as const) {
    app.post(`/${op}`, async (c) => {
      let payloads: Payload[];
      try {
        const body = (await c.req.json().catch(() => {
          throw new BadRequest('the body is not JSON');
        })) as { payloads?: unknown };
        if (!body || !Array.isArray(body.payloads)) throw new BadRequest('expected a JSON body {"payloads": [...]}');
        payloads = body.payloads.map(fromJson);
      } catch (err) {
        log(`codec server: /${op}: ${(err as Error).message}`);
        return c.json({ error: (err as Error).message }, 400);
      }
      try {
        const out = await options.codec[op](payloads);
        return c.json({ payloads: out.map(toJson) });
      } catch (err) {
        log(`codec server: /${op} failed: ${(err as Error).message}`);
        return c.json({ error: (err as Error).message }, 422);
      }
    });
  }
  app.notFound((c) => c.json({ error: 'the codec server answers POST /encode and POST /decode' }, 404));
  return app;
}

/** Serves the codec over HTTP until `close()`. */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const host = options.host ?? '127.0.0.1';
  const app = buildCodecApp(options);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8888, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
