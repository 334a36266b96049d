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
import { StateLog } from './state-log';

export interface EmulatorOptions {
  /** 0 (the default) picks a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  faults?: Partial<FaultConfig>;
  now?: () => number;
  /**
   * Keep every batch, file, counter and the fault config in this directory (state-log.ts), so an
   * emulator started again on it, on any port, carries on where the last one stopped, even one
   * killed with SIGKILL. Without it (the default) the state lives in memory only.
   */
  stateDir?: string;
}

export interface Emulator {
  /** http://HOST:PORT, no trailing slash */
  url: string;
  engine: BatchEngine;
  /** where the state is kept, if anywhere */
  stateDir?: string;
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
  app.onError((err, c) =>
    c.json({ error: { message: `Emulator error: ${err.message}`, type: 'server_error', param: null, code: null } }, 500),
  );
  return app;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const host = opts.host ?? '127.0.0.1';
  const store = opts.stateDir === undefined ? undefined : new StateLog(opts.stateDir);
  const engine = new BatchEngine({ faults: opts.faults, now: opts.now, store });
  const app = buildApp(engine);
  const server = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    store?.close(); // e.g. the port is taken: free the directory for the next try
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url,
    engine,
    stateDir: opts.stateDir,
    configure: (patch) => engine.configure(patch),
    stats: () => engine.stats(),
    reset: () => engine.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          store?.close();
          return err ? reject(err) : resolve();
        });
        // SDK clients keep connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
