/**
 * Anthropic Message Batches endpoints (`/v1/messages/batches*`), wire-compatible with the official
 * `@anthropic-ai/sdk` pointed at the emulator's root URL. HTTP faults (429/500) are injected by the
 * server-wide middleware in front of these routes; this router only speaks Anthropic.
 *
 * Tag: Anthropic batches carry no metadata, so the engine's per-tag counter (stats().byTag) is keyed
 * by `anthropicTag()`: durabatch's sentinel custom_id when present (unique per submission), else a
 * digest of the sorted custom_ids. Creating the same submission twice shows up as 2 under one tag,
 * which is what duplicate-billing tests look for.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { BatchEngine, EmulatedBatch, EmulatedItem } from './engine';
import {
  anthropicTag,
  CUSTOM_ID_PATTERN,
  errorBody,
  MAX_REQUESTS,
  messageBatch,
  resultLines,
  toEmulatedItem,
  type AnthropicBatchMeta,
} from './anthropic-wire';
import { requestOrigin } from './origin';

/** SDK 1.x sends 2026-10-21; the docs' curl examples (and SDK 0.x) send 2023-06-01. */
const SUPPORTED_VERSIONS = new Set(['2026-10-21', '2023-06-01']);
const MAX_BODY_BYTES = 256 * 1024 * 1024;
const BASE = '/v1/messages/batches';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function anthropicRoutes(engine: BatchEngine): Hono {
  const app = new Hono();
  let requestCounter = 0;
  /** request-id of each call, echoed in error bodies like the real API does */
  const requestIds = new WeakMap<Request, string>();

  const fail = (c: Context, status: ContentfulStatusCode, type: string, message: string) =>
    c.json(errorBody(type, message, requestIds.get(c.req.raw) ?? null), status);
  const invalid = (c: Context, message: string) => fail(c, 400, 'invalid_request_error', message);

  const find = (id: string): EmulatedBatch | undefined => {
    const batch = engine.get(id);
    if (!batch || batch.provider !== 'anthropic' || (batch.meta as unknown as AnthropicBatchMeta).deleted) return undefined;
    return batch;
  };
  const notFound = (c: Context, id: string) => fail(c, 404, 'not_found_error', `Message batch ${id} not found`);

  // Auth: SDK 1.x sends `Authorization: Bearer`, SDK 0.x and the docs send `x-api-key`; accept both.
  app.use(`${BASE}/*`, async (c, next) => {
    requestCounter += 1;
    const requestId = `req_emulator_${String(requestCounter).padStart(8, '0')}`;
    requestIds.set(c.req.raw, requestId);
    c.header('request-id', requestId);
    const bearer = /^Bearer\s+(\S+)/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!c.req.header('x-api-key') && !bearer) {
      return fail(c, 401, 'authentication_error', 'x-api-key header is required (or Authorization: Bearer <key>)');
    }
    const version = c.req.header('anthropic-version');
    if (!version) return invalid(c, 'anthropic-version: header is required');
    if (!SUPPORTED_VERSIONS.has(version)) return invalid(c, `anthropic-version: "${version}" is not a valid version`);
    return next();
  });

  app.post(BASE, async (c) => {
    if (Number(c.req.header('content-length') ?? 0) > MAX_BODY_BYTES) {
      return fail(c, 413, 'request_too_large', 'Request exceeds the maximum allowed number of bytes (256 MB).');
    }
    let body: { requests?: unknown };
    try {
      body = await c.req.json();
    } catch {
      return invalid(c, 'The request body is not valid JSON.');
    }
    const requests = body?.requests;
    if (!Array.isArray(requests) || requests.length === 0) return invalid(c, 'requests: List should have at least 1 item');
    if (requests.length > MAX_REQUESTS) return invalid(c, `requests: List should have at most ${MAX_REQUESTS} items`);

    // custom_id rules are checked up front (400); params only later, per item (errored results).
    const seen = new Set<string>();
    const items: EmulatedItem[] = [];
    const meta: AnthropicBatchMeta = { invalid: {} };
    let model: string | undefined;
    for (const [i, request] of (requests as Array<{ custom_id?: unknown; params?: unknown }>).entries()) {
      const customId = request?.custom_id;
      if (typeof customId !== 'string' || !CUSTOM_ID_PATTERN.test(customId)) {
        return invalid(c, `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
      }
      if (seen.has(customId)) {
        return invalid(c, `Duplicate custom_id '${customId}': each request in a batch must have a unique custom_id.`);
      }
      seen.add(customId);
      if (!request.params || typeof request.params !== 'object') return invalid(c, `requests.${i}.params: Field required`);
      const { item, invalid: problem } = toEmulatedItem(customId, request.params, c.req.header('anthropic-version') ?? '');
      items.push(item);
      const m = (request.params as { model?: unknown }).model;
      const unknownModel = typeof m === 'string' && !engine.knowsModel(m) ? `model: ${m} not found` : undefined;
      if (problem ?? unknownModel) meta.invalid[customId] = (problem ?? unknownModel)!;
      if (model === undefined && typeof m === 'string' && m) model = m;
    }

    const batch = engine.create('anthropic', {
      idPrefix: 'msgbatch_',
      tag: anthropicTag([...seen]),
      model: model ?? 'unknown',
      items,
      meta: meta as unknown as Record<string, unknown>,
    });
    // The batch exists before the answer leaves: a client that times out here leaves an orphan behind.
    if (batch.faults.createDelayMs > 0) await sleep(batch.faults.createDelayMs);
    return c.json(messageBatch(engine, batch, requestOrigin(c)));
  });

  app.get(BASE, (c) => {
    const rawLimit = c.req.query('limit');
    const limit = rawLimit === undefined ? 20 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return invalid(c, 'limit: Input should be between 1 and 1000');
    // Newest first, like the real API; after_id pages towards older batches, before_id towards newer.
    const all = engine.list('anthropic').filter((b) => !(b.meta as unknown as AnthropicBatchMeta).deleted);
    const afterId = c.req.query('after_id');
    const beforeId = c.req.query('before_id');
    let data: EmulatedBatch[];
    let hasMore: boolean;
    if (afterId !== undefined) {
      const at = all.findIndex((b) => b.id === afterId);
      if (at < 0) return invalid(c, `after_id: unknown message batch ${afterId}`);
      data = all.slice(at + 1, at + 1 + limit);
      hasMore = at + 1 + limit < all.length;
    } else if (beforeId !== undefined) {
      const at = all.findIndex((b) => b.id === beforeId);
      if (at < 0) return invalid(c, `before_id: unknown message batch ${beforeId}`);
      data = all.slice(Math.max(0, at - limit), at);
      hasMore = at - limit > 0;
    } else {
      data = all.slice(0, limit);
      hasMore = limit < all.length;
    }
    return c.json({
      data: data.map((b) => messageBatch(engine, b, requestOrigin(c))),
      has_more: hasMore,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    });
  });

  app.get(`${BASE}/:id`, (c) => {
    const batch = find(c.req.param('id'));
    return batch ? c.json(messageBatch(engine, batch, requestOrigin(c))) : notFound(c, c.req.param('id'));
  });

  app.post(`${BASE}/:id/cancel`, (c) => {
    const batch = find(c.req.param('id'));
    if (!batch) return notFound(c, c.req.param('id'));
    // Cancelling an ended batch is a no-op that returns the batch (the real status code is unconfirmed).
    engine.cancel(batch);
    return c.json(messageBatch(engine, batch, requestOrigin(c)));
  });

  app.delete(`${BASE}/:id`, (c) => {
    const batch = find(c.req.param('id'));
    if (!batch) return notFound(c, c.req.param('id'));
    if (messageBatch(engine, batch, requestOrigin(c)).processing_status !== 'ended') {
      return invalid(c, `Message batch ${batch.id} is still processing; cancel it and wait for it to end before deleting it.`);
    }
    (batch.meta as unknown as AnthropicBatchMeta).deleted = true;
    engine.updated(batch);
    return c.json({ id: batch.id, type: 'message_batch_deleted' });
  });

  app.get(`${BASE}/:id/results`, (c) => {
    const batch = find(c.req.param('id'));
    if (!batch) return notFound(c, c.req.param('id'));
    const lines = messageBatch(engine, batch, requestOrigin(c)).processing_status === 'ended' ? resultLines(engine, batch) : undefined;
    if (!lines) return invalid(c, `Message batch ${batch.id} has not finished processing; results are not available yet.`);
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : '');
    return c.body(text, 200, { 'content-type': 'application/binary' });
  });

  return app;
}
