/**
 * OpenAI Files + Batches endpoints (`/v1/files*`, `/v1/batches*`), wire-compatible with the
 * official `openai` SDK pointed at `${emulator.url}/v1`. Only chat-completions batches are emulated.
 */
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { BatchEngine, EmulatedBatch } from './engine';
import { inputFileProblem, parseBatchInput, type ParsedBatchInput } from './openai-input';
import { ensureResultFiles, OUTPUT_FILE_TTL_MS } from './openai-results';
import { batchObject, errorBody, fileObject, type OpenAIBatchMeta } from './openai-wire';

const FILE_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'];
const SUPPORTED_ENDPOINTS = ['/v1/chat/completions'];
const KNOWN_ENDPOINTS = [
  '/v1/responses',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/moderations',
  '/v1/images/generations',
  '/v1/images/edits',
  '/v1/videos',
];
/** `purpose=batch` files expire after 30 days unless told otherwise (FileExpirationAfter docs). */
const BATCH_FILE_TTL_MS = OUTPUT_FILE_TTL_MS;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Only these paths are OpenAI's: the auth middleware must not touch Anthropic's /v1/messages/... */
function isOpenAIPath(path: string): boolean {
  return /^\/v1\/(files|batches)(\/|$)/.test(path);
}

function fail(
  c: Context,
  status: ContentfulStatusCode,
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
) {
  return c.json(errorBody(message, type, param, code), status);
}

const invalid = (c: Context, message: string, param: string | null = null, code: string | null = null) =>
  fail(c, 400, message, 'invalid_request_error', param, code);

/** Cursor pagination shared by both lists: `after` is the last id of the previous page. */
function page<T extends { id: string }>(all: T[], after: string | undefined, limit: number) {
  const start = after ? all.findIndex((x) => x.id === after) + 1 : 0;
  const data = start === 0 && after ? [] : all.slice(start, start + limit);
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
    has_more: start + data.length < all.length && data.length > 0,
  };
}

function parseLimit(raw: string | undefined, fallback: number, max: number): number | undefined {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
}

/** Metadata: at most 16 string pairs, keys ≤ 64 chars, values ≤ 512 chars. */
function metadataProblem(metadata: unknown): string | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  if (typeof metadata !== 'object' || Array.isArray(metadata)) return "Invalid 'metadata': expected an object.";
  const entries = Object.entries(metadata);
  if (entries.length > 16) return "Invalid 'metadata': at most 16 key-value pairs are allowed.";
  for (const [k, v] of entries) {
    if (k.length > 64) return `Invalid 'metadata': key '${k.slice(0, 20)}…' is longer than 64 characters.`;
    if (typeof v !== 'string') return `Invalid 'metadata': value of '${k}' must be a string.`;
    if (v.length > 512) return `Invalid 'metadata': value of '${k}' is longer than 512 characters.`;
  }
  return undefined;
}

export function openaiRoutes(engine: BatchEngine): Hono {
  const app = new Hono();
  let requestCounter = 0;

  app.use('/v1/*', async (c, next) => {
    if (!isOpenAIPath(c.req.path)) return next();
    requestCounter += 1;
    c.header('x-request-id', `req_emulator_${String(requestCounter).padStart(8, '0')}`);
    const auth = c.req.header('authorization') ?? '';
    if (!/^Bearer\s+\S+/i.test(auth)) {
      return fail(
        c,
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
        null,
        'missing_api_key',
      );
    }
    return next();
  });

  const render = (batch: EmulatedBatch) => {
    ensureResultFiles(engine, batch);
    return batchObject(engine, batch);
  };
  const openaiFile = (id: string) => {
    const file = engine.getFile(id);
    return file && file.provider === 'openai' ? file : undefined;
  };
  const noFile = (c: Context, id: string) => fail(c, 404, `No such File object: ${id}`, 'invalid_request_error', 'id');

  // ---- Files --------------------------------------------------------------------------------

  app.post('/v1/files', async (c) => {
    let form: Record<string, string | File>;
    try {
      form = await c.req.parseBody();
    } catch {
      return invalid(c, 'Expected a multipart/form-data body.');
    }
    const file = form['file'];
    const purpose = form['purpose'];
    if (!(file instanceof File)) return invalid(c, "Missing required parameter: 'file'.", 'file', 'missing_required_parameter');
    if (typeof purpose !== 'string' || !FILE_PURPOSES.includes(purpose)) {
      return invalid(c, `Invalid value for 'purpose': expected one of ${FILE_PURPOSES.join(', ')}.`, 'purpose');
    }
    const anchor = form['expires_after[anchor]'];
    const secondsRaw = form['expires_after[seconds]'];
    let ttlMs: number | undefined = purpose === 'batch' ? BATCH_FILE_TTL_MS : undefined;
    if (anchor !== undefined || secondsRaw !== undefined) {
      const secs = Number(secondsRaw);
      if (anchor !== 'created_at') return invalid(c, "Invalid 'expires_after.anchor': must be 'created_at'.", 'expires_after.anchor');
      if (!Number.isInteger(secs) || secs < 3600 || secs > 2_592_000) {
        return invalid(c, "Invalid 'expires_after.seconds': must be between 3600 and 2592000.", 'expires_after.seconds');
      }
      ttlMs = secs * 1000;
    }
    const id = engine.newId('file-');
    engine.putFile({
      id,
      provider: 'openai',
      filename: file.name || 'upload',
      purpose,
      bytes: new Uint8Array(await file.arrayBuffer()),
      mimeType: file.type || undefined,
      ttlMs,
    });
    return c.json(fileObject(engine.getFile(id)!));
  });

  app.get('/v1/files', (c) => {
    const limit = parseLimit(c.req.query('limit'), 10_000, 10_000);
    if (limit === undefined) return invalid(c, "Invalid 'limit': must be an integer between 1 and 10000.", 'limit');
    const order = c.req.query('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') return invalid(c, "Invalid 'order': must be 'asc' or 'desc'.", 'order');
    const purpose = c.req.query('purpose');
    let files = engine.listFiles('openai').filter((f) => !purpose || f.purpose === purpose);
    if (order === 'asc') files = files.reverse();
    const result = page(files, c.req.query('after'), limit);
    return c.json({ ...result, data: result.data.map((f) => fileObject(f)) });
  });

  app.get('/v1/files/:id', (c) => {
    const file = openaiFile(c.req.param('id'));
    return file ? c.json(fileObject(file)) : noFile(c, c.req.param('id'));
  });

  app.get('/v1/files/:id/content', (c) => {
    const file = openaiFile(c.req.param('id'));
    if (!file) return noFile(c, c.req.param('id'));
    if (engine.takeStallFault()) {
      // Half the file, then nothing: a download that hangs without an error, as a stuck connection does.
      const half = file.bytes.slice(0, Math.floor(file.bytes.length / 2));
      const stalled = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(half) });
      return c.body(stalled, 200, { 'content-type': file.mimeType ?? 'application/octet-stream' });
    }
    return c.body(file.bytes.slice().buffer, 200, { 'content-type': file.mimeType ?? 'application/octet-stream' });
  });

  app.delete('/v1/files/:id', (c) => {
    const id = c.req.param('id');
    if (!openaiFile(id)) return noFile(c, id);
    engine.deleteFile(id);
    return c.json({ id, object: 'file', deleted: true });
  });

  // ---- Batches ------------------------------------------------------------------------------

  app.post('/v1/batches', async (c) => {
    let body: Record<string, unknown>;
    try {
      body = (await c.req.json()) as Record<string, unknown>;
    } catch {
      return invalid(c, 'We could not parse the JSON body of your request.');
    }
    if (!body || typeof body !== 'object') return invalid(c, 'Expected a JSON object body.');
    const { input_file_id: inputFileId, endpoint, completion_window: window, metadata } = body;

    // Request-level problems are answered synchronously with 400, as the real API does for its params.
    if (typeof inputFileId !== 'string')
      return invalid(c, "Missing required parameter: 'input_file_id'.", 'input_file_id', 'missing_required_parameter');
    if (typeof endpoint !== 'string' || !KNOWN_ENDPOINTS.includes(endpoint)) {
      return invalid(c, `Invalid value for 'endpoint': expected one of ${KNOWN_ENDPOINTS.join(', ')}.`, 'endpoint');
    }
    if (!SUPPORTED_ENDPOINTS.includes(endpoint)) {
      return invalid(c, `The emulator only supports batches for ${SUPPORTED_ENDPOINTS.join(', ')}.`, 'endpoint');
    }
    if (window !== '24h') return invalid(c, "Invalid value for 'completion_window': only '24h' is supported.", 'completion_window');
    const metadataError = metadataProblem(metadata);
    if (metadataError) return invalid(c, metadataError, 'metadata');
    const file = openaiFile(inputFileId);
    if (!file) return invalid(c, `Invalid 'input_file_id': '${inputFileId}'. No such file.`, 'input_file_id');
    if (file.purpose !== 'batch') {
      return invalid(c, `Invalid 'input_file_id': '${inputFileId}'. The file must have purpose 'batch'.`, 'input_file_id');
    }

    // Line-level problems do NOT fail the request: the API accepts the batch and its validation step
    // moves it to `failed` with the problems (and their line numbers) in `errors.data` — that is what
    // the docs' status table ("validating ... failed: the input file has failed the validation
    // process") and BatchError's `line` field describe.
    const fileProblem = inputFileProblem(file);
    const parsed: ParsedBatchInput = fileProblem
      ? { items: [], model: '', errors: [fileProblem] }
      : parseBatchInput(new TextDecoder().decode(file.bytes), endpoint);
    if (parsed.model && !engine.knowsModel(parsed.model)) {
      parsed.errors.push({
        code: 'model_not_found',
        message: `The model '${parsed.model}' does not exist or you do not have access to it.`,
        param: 'body.model',
        line: 1,
      });
    }
    const invalidFile = parsed.errors.length > 0;
    const meta: OpenAIBatchMeta = {
      endpoint,
      input_file_id: inputFileId,
      completion_window: window,
      metadata: (metadata as Record<string, string> | undefined) ?? null,
      ...(invalidFile ? { validationErrors: parsed.errors } : {}),
    };
    const tagFromMetadata = (metadata as Record<string, string> | undefined)?.durabatch_tag;
    const batch = engine.create('openai', {
      idPrefix: 'batch_',
      tag: tagFromMetadata, // undefined: the engine uses the new batch id
      model: parsed.model,
      // A file that fails validation never runs, so its items must not count as submissions.
      items: invalidFile ? [] : parsed.items,
      meta: meta as unknown as Record<string, unknown>,
      failValidation: invalidFile, // the batch's own snapshot; later batches unaffected
    });
    if (batch.faults.createDelayMs > 0) await sleep(batch.faults.createDelayMs);
    return c.json(render(batch));
  });

  app.get('/v1/batches', (c) => {
    const limit = parseLimit(c.req.query('limit'), 20, 100);
    if (limit === undefined) return invalid(c, "Invalid 'limit': must be an integer between 1 and 100.", 'limit');
    const result = page(engine.list('openai'), c.req.query('after'), limit);
    return c.json({ ...result, data: result.data.map(render) });
  });

  const findBatch = (c: Context) => {
    const batch = engine.get(c.req.param('id') ?? '');
    return batch && batch.provider === 'openai' ? batch : undefined;
  };
  const noBatch = (c: Context) => fail(c, 404, `No batch found with id '${c.req.param('id')}'.`, 'invalid_request_error', 'batch_id');

  app.get('/v1/batches/:id', (c) => {
    const batch = findBatch(c);
    return batch ? c.json(render(batch)) : noBatch(c);
  });

  app.post('/v1/batches/:id/cancel', (c) => {
    const batch = findBatch(c);
    if (!batch) return noBatch(c);
    const phase = engine.phase(batch);
    if (phase === 'completed' || phase === 'failed' || phase === 'expired' || phase === 'cancelled') {
      // 400 rather than 409: the SDK retries 409s, and retrying cannot help here.
      return invalid(c, `Cannot cancel a batch with status '${phase}'.`);
    }
    engine.cancel(batch);
    return c.json(render(batch));
  });

  return app;
}
