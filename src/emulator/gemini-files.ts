/**
 * Gemini Files API for the emulator: the resumable upload the SDK's `files.upload` performs, file
 * metadata, list/delete, and the `:download?alt=media` endpoints (both `/v1beta/files/...` as the SDK
 * calls it and `/download/v1beta/files/...` as the REST docs show it).
 *
 * Upload protocol ([wire] checked against @google/genai 2.32):
 *   1. POST /upload/v1beta/files, `X-Goog-Upload-Command: start`, body {file:{displayName,mimeType,sizeBytes}}
 *      -> header `x-goog-upload-url` (the SDK rewrites its host to the client's baseUrl anyway)
 *   2. POST <upload-url>, `X-Goog-Upload-Command: upload[, finalize]`, `X-Goog-Upload-Offset`, raw bytes
 *      -> `x-goog-upload-status: active`, or `final` with body {file:{...}} after finalize
 */
import { createHash, randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { BatchEngine, StoredFile } from './engine';
import { errorBody } from './gemini-wire';
import { requestOrigin } from './origin';

/** Files are kept 48 hours (Files API docs). */
const FILE_TTL_MS = 48 * 3600 * 1000;
/** 2 GB per file (Files API docs). */
const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;
/** Purpose the batch routes give the responses files they write: the only files that can be downloaded. */
export const OUTPUT_PURPOSE = 'batch_output';

interface UploadSession {
  displayName?: string;
  name?: string;
  mimeType: string;
  /** the size announced at start (sizeBytes / X-Goog-Upload-Header-Content-Length), if any */
  declaredBytes?: number;
  chunks: Uint8Array[];
  received: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The File resource, as files.get / upload answer it. */
export function fileResource(file: StoredFile, origin: string) {
  const generated = file.purpose === OUTPUT_PURPOSE;
  return {
    name: `files/${file.id}`,
    displayName: file.filename,
    mimeType: file.mimeType ?? 'application/octet-stream',
    sizeBytes: String(file.bytes.byteLength),
    createTime: iso(file.createdAtMs),
    updateTime: iso(file.createdAtMs),
    expirationTime: iso(file.createdAtMs + FILE_TTL_MS),
    sha256Hash: createHash('sha256').update(file.bytes).digest('base64'),
    uri: `${origin}/v1beta/files/${file.id}`,
    ...(generated && { downloadUri: `${origin}/download/v1beta/files/${file.id}:download?alt=media` }),
    state: 'ACTIVE',
    source: generated ? 'GENERATED' : 'UPLOADED',
  };
}

/** `files/abc` or `abc` -> `abc` */
export const fileIdOf = (name: string) => name.replace(/^files\//, '');

export function geminiFileRoutes(engine: BatchEngine): Hono {
  const app = new Hono();
  const sessions = new Map<string, UploadSession>();
  let sessionCounter = 0;
  // Sessions live in memory only; the random part keeps an upload URL handed out by an emulator
  // that was restarted since from continuing someone else's session.
  const sessionPrefix = randomBytes(4).toString('hex');

  const fail = (c: Context, status: ContentfulStatusCode, message: string) => c.json(errorBody(status, message), status);
  const geminiFile = (id: string) => {
    const file = engine.getFile(id);
    return file && file.provider === 'gemini' ? file : undefined;
  };
  const noFile = (c: Context, id: string) => fail(c, 403, `You do not have permission to access the File ${id} or it may not exist.`);

  app.post('/upload/v1beta/files', async (c) => {
    const uploadId = c.req.query('upload_id');
    const command = (c.req.header('x-goog-upload-command') ?? '').toLowerCase();
    if (uploadId === undefined) {
      if (c.req.header('x-goog-upload-protocol') !== 'resumable' || command !== 'start') {
        return fail(
          c,
          400,
          'Only the resumable upload protocol is emulated (X-Goog-Upload-Protocol: resumable, X-Goog-Upload-Command: start).',
        );
      }
      let body: { file?: { displayName?: string; name?: string; mimeType?: string; sizeBytes?: string | number } };
      try {
        body = await c.req.json();
      } catch {
        body = {};
      }
      const declared = body.file?.sizeBytes ?? c.req.header('x-goog-upload-header-content-length');
      const declaredBytes = declared === undefined || declared === '' ? undefined : Number(declared);
      if (declaredBytes !== undefined && !(Number.isInteger(declaredBytes) && declaredBytes >= 0)) {
        return fail(c, 400, `Invalid file size ${JSON.stringify(declared)}: expected a byte count.`);
      }
      if (declaredBytes !== undefined && declaredBytes > MAX_FILE_BYTES) return fail(c, 400, 'File size exceeds the 2 GB limit.');
      const mimeType = body.file?.mimeType ?? c.req.header('x-goog-upload-header-content-type');
      if (!mimeType) return fail(c, 400, 'file.mimeType is required.');
      sessionCounter += 1;
      const id = `upload-${sessionPrefix}-${sessionCounter}`;
      sessions.set(id, {
        displayName: body.file?.displayName,
        name: body.file?.name ? fileIdOf(body.file.name) : undefined,
        mimeType,
        declaredBytes,
        chunks: [],
        received: 0,
      });
      c.header('x-goog-upload-url', `${requestOrigin(c)}/upload/v1beta/files?upload_id=${id}&upload_protocol=resumable`);
      c.header('x-goog-upload-status', 'active');
      c.header('x-goog-upload-chunk-granularity', String(8 * 1024 * 1024));
      return c.body(null, 200);
    }

    const session = sessions.get(uploadId);
    if (!session) return fail(c, 404, `Unknown upload session ${uploadId}.`);
    if (command === 'query') {
      c.header('x-goog-upload-status', 'active');
      c.header('x-goog-upload-size-received', String(session.received));
      return c.body(null, 200);
    }
    if (!command.includes('upload')) return fail(c, 400, `Unsupported X-Goog-Upload-Command: ${command || '(none)'}.`);
    const offset = Number(c.req.header('x-goog-upload-offset') ?? session.received);
    if (offset !== session.received) {
      return fail(c, 400, `Upload offset ${offset} does not match the ${session.received} bytes received so far.`);
    }
    const chunk = new Uint8Array(await c.req.arrayBuffer());
    session.chunks.push(chunk);
    session.received += chunk.byteLength;
    const { declaredBytes, received } = session;
    if (declaredBytes !== undefined && received > declaredBytes) {
      sessions.delete(uploadId);
      return fail(c, 400, `Upload exceeds the declared size: ${received} bytes received, ${declaredBytes} declared.`);
    }
    if (!command.includes('finalize')) {
      c.header('x-goog-upload-status', 'active');
      return c.body(null, 200);
    }
    sessions.delete(uploadId);
    // A short upload is a broken one (a dropped chunk, a wrong size): storing it would hand a
    // truncated JSONL file to the batch that reads it.
    if (declaredBytes !== undefined && received !== declaredBytes) {
      return fail(c, 400, `Upload finalized with ${received} bytes, but ${declaredBytes} were declared.`);
    }
    const bytes = Buffer.concat(session.chunks);
    const id = session.name ?? engine.newId('');
    engine.putFile({
      id,
      provider: 'gemini',
      filename: session.displayName ?? id,
      purpose: 'batch',
      bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      mimeType: session.mimeType,
    });
    c.header('x-goog-upload-status', 'final');
    return c.json({ file: fileResource(engine.getFile(id)!, requestOrigin(c)) });
  });

  app.get('/v1beta/files', (c) => {
    const pageSize = Math.min(100, Math.max(1, Number(c.req.query('pageSize') ?? 10) || 10));
    const all = engine.listFiles('gemini');
    const token = c.req.query('pageToken');
    const start = token ? all.findIndex((f) => f.id === token) + 1 : 0;
    if (token && start === 0) return fail(c, 400, 'Invalid page token.');
    const page = all.slice(start, start + pageSize);
    const more = start + page.length < all.length;
    return c.json({
      files: page.map((f) => fileResource(f, requestOrigin(c))),
      ...(more && page.length > 0 && { nextPageToken: page[page.length - 1].id }),
    });
  });

  const download = (c: Context) => {
    const [id, action] = c.req.param('nameAction')!.split(':');
    if (action !== 'download') return fail(c, 404, `Unknown files action ${action}.`);
    const file = geminiFile(id);
    if (!file) return noFile(c, id);
    // Per the Files docs only generated (batch output) files can be downloaded, never uploads.
    if (file.purpose !== OUTPUT_PURPOSE) return fail(c, 400, `Only generated files can be downloaded; files/${id} was uploaded.`);
    return c.body(new Uint8Array(file.bytes), 200, { 'content-type': file.mimeType ?? 'application/octet-stream' });
  };

  app.get('/download/v1beta/files/:nameAction', download);
  app.get('/v1beta/files/:nameAction', (c) => {
    const nameAction = c.req.param('nameAction');
    if (nameAction.includes(':')) return download(c);
    const file = geminiFile(nameAction);
    return file ? c.json(fileResource(file, requestOrigin(c))) : noFile(c, nameAction);
  });

  app.delete('/v1beta/files/:name', (c) => {
    const id = c.req.param('name');
    if (!geminiFile(id)) return noFile(c, id);
    engine.deleteFile(id);
    return c.json({});
  });

  return app;
}
