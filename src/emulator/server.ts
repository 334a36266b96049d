/**
 * One HTTP server for all three emulated providers plus the /_emulator admin API.
 * Route order: Anthropic's /v1/messages/batches is registered before OpenAI's /v1 routes, and the
 * OpenAI routes only claim /v1/files* and /v1/batches*, so neither shadows the other.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { adminRoutes } from './admin';
import { BatchEngine, type FaultConfig } from './engine';
import { httpFaultMiddleware, notFoundResponse } from './http-faults';
import { openaiRoutes } from './openai';
import { anthropicRoutes } from './anthropic';
import { geminiRoutes } from './gemini';

export interface EmulatorOptions {
  /** 0 (the default) picks a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  faults?: Partial<FaultConfig>;
  now?: () => number;
}

export interface Emulator {
  /** http://HOST:PORT, no trailing slash */
  url: string;
  engine: BatchEngine;
  configure(patch: Partial<FaultConfig>): FaultConfig;
  stats(): ReturnType<BatchEngine['stats']>;
  reset(): void;
  close(): Promise<void>;
}

/** Absolute URLs in answers are built from each request (origin.ts), so the app needs no address of its own. */
export function buildApp(engine: BatchEngine): Hono {
  const app = new Hono();
  app.use('*', httpFaultMiddleware(engine));
  app.route('/', adminRoutes(engine));
  // Anthropic before OpenAI: /v1/messages/batches must never reach the OpenAI router.
  app.route('/', anthropicRoutes(engine));
  app.route('/', geminiRoutes(engine));
  app.route('/', openaiRoutes(engine));
  app.notFound(notFoundResponse);
  // A bug in a route must still answer JSON, or SDKs report a confusing parse error.
  app.onError((err, c) => c.json({ error: { message: `Emulator error: ${err.message}`, type: 'server_error', param: null, code: null } }, 500));
  return app;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  const engine = new BatchEngine({ faults: opts.faults, now: opts.now });
  const app = buildApp(engine);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    engine,
    configure: (patch) => engine.configure(patch),
    stats: () => engine.stats(),
    reset: () => engine.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // SDK clients keep connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
