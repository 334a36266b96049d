/**
 * Gemini Batch API endpoints (Developer API, `/v1beta/...`) plus the Files API it needs, wire-
 * compatible with `@google/genai` pointed at the emulator's root URL (`httpOptions.baseUrl`).
 * HTTP faults (429/500) come from the server-wide middleware; this router only speaks Gemini.
 *
 * - Names are `batches/<id>` (the SDK rejects anything else) and `files/<id>`.
 * - Tag (stats().byTag) = the batch's displayName, which is what find-before-create searches for.
 * - States: PENDING (engine validating), RUNNING (in progress, finalizing, cancelling), SUCCEEDED,
 *   FAILED (no output, `error` set), CANCELLED (partial output: finished items, the rest CANCELLED
 *   errors), EXPIRED (no output at all, as documented).
 * - Output lives in `metadata.output`: inlined responses for inline batches, `responsesFile` (a
 *   generated JSONL file served by `:download`) for batches created from an uploaded file.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { BatchEngine, EmulatedBatch, EmulatedItem } from './engine';
import { fileIdOf, geminiFileRoutes, OUTPUT_PURPOSE } from './gemini-files';
import { errorBody, hasOutput, metaOf, operation, outcomes, toEmulatedItem, type GeminiBatchMeta } from './gemini-wire';

/** Inline requests: the whole create call must stay under 20 MB (batch-mode guide). */
const MAX_INLINE_BYTES = 20 * 1024 * 1024;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type InlinedRequest = { request?: unknown; metadata?: Record<string, unknown> };
type InputConfig = { requests?: { requests?: InlinedRequest[] }; fileName?: string; file_name?: string };

/** `a:b` -> ['a', 'b']; model names never contain ':' but may contain dots and dashes. */
function splitAction(nameAction: string): [string, string | undefined] {
  const at = nameAction.lastIndexOf(':');
  return at < 0 ? [nameAction, undefined] : [nameAction.slice(0, at), nameAction.slice(at + 1)];
}

export function geminiRoutes(engine: BatchEngine): Hono {
  const app = new Hono();

  const fail = (c: Context, status: ContentfulStatusCode, message: string) => c.json(errorBody(status, message), status);
  const find = (id: string): EmulatedBatch | undefined => {
    const batch = engine.get(id);
    return batch && batch.provider === 'gemini' && !metaOf(batch).deleted ? batch : undefined;
  };
  const notFound = (c: Context, id: string) => fail(c, 404, `Batch batches/${id} not found.`);

  /** A batch made from a file answers with a responses file: written once, when the batch has output. */
  const ensureResponsesFile = (batch: EmulatedBatch) => {
    const meta = metaOf(batch);
    if (!meta.inputFileName || meta.responsesFile || !hasOutput(engine.phase(batch))) return;
    const lines = outcomes(engine, batch).map((o, i) => {
      const key = meta.fileKeys[i];
      // `!= null`: a stored meta comes back with null where undefined was (JSON has no undefined).
      return JSON.stringify({ ...(key != null && { key }), ...o });
    });
    const id = `batch-${batch.id}`;
    engine.putFile({
      id,
      provider: 'gemini',
      filename: id,
      purpose: OUTPUT_PURPOSE,
      bytes: new TextEncoder().encode(lines.join('\n') + (lines.length ? '\n' : '')),
      mimeType: 'application/jsonl',
    });
    meta.responsesFile = `files/${id}`;
    engine.updated(batch);
  };
  const render = (batch: EmulatedBatch) => {
    ensureResponsesFile(batch);
    return operation(engine, batch);
  };

  // Auth: the SDK sends `x-goog-api-key`; REST examples use `?key=`. Upload-session URLs carry their
  // own authority (upload_id), as Google's do.
  const auth = async (c: Context, next: () => Promise<void>) => {
    if (c.req.header('x-goog-api-key') || c.req.query('key') || c.req.query('upload_id')) return next();
    return fail(
      c,
      403,
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  };
  app.use('/v1beta/*', auth);
  app.use('/upload/v1beta/*', auth);
  app.use('/download/v1beta/*', auth);

  /** Parses the JSONL input file into items; a line that is not JSON fails the create call. */
  const itemsFromFile = (fileName: string): { items: EmulatedItem[]; meta: Partial<GeminiBatchMeta> } | string => {
    const id = fileIdOf(fileName);
    const file = engine.getFile(id);
    if (!file || file.provider !== 'gemini') return `File files/${id} not found.`;
    const text = new TextDecoder().decode(file.bytes);
    const items: EmulatedItem[] = [];
    const fileKeys: Array<string | undefined> = [];
    const invalid: Record<number, string> = {};
    const lines = text.split('\n').filter((l) => l.trim());
    for (const [n, line] of lines.entries()) {
      let parsed: { key?: unknown; request?: unknown };
      try {
        parsed = JSON.parse(line);
      } catch {
        return `Invalid JSON in the input file files/${id} at line ${n + 1}.`;
      }
      const key = typeof parsed.key === 'string' ? parsed.key : undefined;
      const { item, invalid: problem } = toEmulatedItem(key ?? `line-${n + 1}`, parsed.request);
      items.push(item);
      fileKeys.push(key);
      if (problem) invalid[n] = problem;
    }
    if (items.length === 0) return `The input file files/${id} holds no requests.`;
    return { items, meta: { inputFileName: `files/${id}`, fileKeys, inlineMetadata: [], invalid } };
  };

  const itemsInline = (requests: InlinedRequest[]): { items: EmulatedItem[]; meta: Partial<GeminiBatchMeta> } => {
    const items: EmulatedItem[] = [];
    const inlineMetadata: GeminiBatchMeta['inlineMetadata'] = [];
    const invalid: Record<number, string> = {};
    for (const [i, r] of requests.entries()) {
      const key = r?.metadata?.key;
      const { item, invalid: problem } = toEmulatedItem(typeof key === 'string' ? key : `request-${i}`, r?.request);
      items.push(item);
      inlineMetadata.push(r?.metadata && typeof r.metadata === 'object' ? r.metadata : undefined);
      if (problem) invalid[i] = problem;
    }
    return { items, meta: { inlineMetadata, fileKeys: [], invalid } };
  };

  app.post('/v1beta/models/:modelAction', async (c) => {
    const [model, action] = splitAction(c.req.param('modelAction'));
    if (action === 'asyncBatchEmbedContent') return fail(c, 501, 'Embedding batches are not emulated.');
    if (action !== 'batchGenerateContent') return fail(c, 404, `Unknown model action ${action ?? '(none)'}.`);
    if (!engine.knowsModel(model)) {
      return fail(
        c,
        404,
        `models/${model.replace(/^models\//, '')} is not found for API version v1beta, or is not supported for batchGenerateContent.`,
      );
    }
    if (Number(c.req.header('content-length') ?? 0) > MAX_INLINE_BYTES) {
      return fail(c, 400, `Request payload size exceeds the limit: ${MAX_INLINE_BYTES} bytes.`);
    }
    let body: { batch?: { displayName?: string; inputConfig?: InputConfig } };
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 400, 'Invalid JSON payload received.');
    }
    const input = body.batch?.inputConfig;
    const fileName = input?.fileName ?? input?.file_name;
    const inline = input?.requests?.requests;
    let parsed: { items: EmulatedItem[]; meta: Partial<GeminiBatchMeta> } | string;
    if (fileName && inline) return fail(c, 400, 'batch.input_config: set either requests or file_name, not both.');
    if (fileName) parsed = itemsFromFile(fileName);
    else if (Array.isArray(inline) && inline.length > 0) parsed = itemsInline(inline);
    else return fail(c, 400, 'batch.input_config: requests or file_name is required.');
    if (typeof parsed === 'string') return fail(c, 400, parsed);

    const displayName = body.batch?.displayName;
    const meta: GeminiBatchMeta = { inlineMetadata: [], fileKeys: [], invalid: {}, ...parsed.meta, displayName };
    const batch = engine.create('gemini', {
      idPrefix: 'b',
      tag: displayName ?? 'gemini:(no displayName)',
      model: model.replace(/^models\//, ''),
      items: parsed.items,
      meta: meta as unknown as Record<string, unknown>,
    });
    // The batch exists before the answer leaves: a client that times out here leaves an orphan behind.
    if (batch.faults.createDelayMs > 0) await sleep(batch.faults.createDelayMs);
    return c.json(render(batch));
  });

  app.get('/v1beta/batches', (c) => {
    const rawSize = c.req.query('pageSize');
    const pageSize = rawSize === undefined ? DEFAULT_PAGE_SIZE : Number(rawSize);
    if (!Number.isInteger(pageSize) || pageSize < 1) return fail(c, 400, 'pageSize must be a positive integer.');
    const size = Math.min(pageSize, MAX_PAGE_SIZE);
    // Newest first; the page token is the id of the last batch handed out, stable while new ones arrive.
    const all = engine.list('gemini').filter((b) => !metaOf(b).deleted);
    const token = c.req.query('pageToken');
    const start = token ? all.findIndex((b) => b.id === token) + 1 : 0;
    if (token && start === 0) return fail(c, 400, 'Invalid page token.');
    const page = all.slice(start, start + size);
    const more = start + page.length < all.length && page.length > 0;
    return c.json({ operations: page.map(render), ...(more && { nextPageToken: page[page.length - 1].id }) });
  });

  app.get('/v1beta/batches/:nameAction', (c) => {
    const [id, action] = splitAction(c.req.param('nameAction'));
    if (action !== undefined) return fail(c, 404, `Unknown batch action ${action} for GET.`);
    const batch = find(id);
    return batch ? c.json(render(batch)) : notFound(c, id);
  });

  const remove = (c: Context, id: string) => {
    const batch = find(id);
    if (!batch) return notFound(c, id);
    // Deleting only says "no longer interested": it does not cancel a running batch.
    metaOf(batch).deleted = true;
    engine.updated(batch);
    return c.json({});
  };

  app.post('/v1beta/batches/:nameAction', (c) => {
    const [id, action] = splitAction(c.req.param('nameAction'));
    if (action === 'delete') return remove(c, id);
    if (action !== 'cancel') return fail(c, 404, `Unknown batch action ${action ?? '(none)'}.`);
    const batch = find(id);
    if (!batch) return notFound(c, id);
    engine.cancel(batch); // a no-op once the batch has ended
    return c.json({});
  });

  app.delete('/v1beta/batches/:name', (c) => remove(c, c.req.param('name')));

  app.route('/', geminiFileRoutes(engine));
  return app;
}
