/**
 * The `httpErrors` fault: the next N provider calls fail with 429, 500 or 401 (a revoked key). One middleware in front of
 * every provider route consumes the queue and answers in the shape of the provider the path belongs
 * to, so each SDK raises its own error class (RateLimitError, InternalServerError, ApiError...).
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { BatchEngine } from './engine';

type Provider = 'openai' | 'anthropic' | 'gemini';

function providerOf(path: string): Provider {
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path.startsWith('/v1beta') || path.startsWith('/upload/') || path.startsWith('/download/')) return 'gemini';
  return 'openai';
}

let faultCounter = 0;

export type HttpFaultStatus = 429 | 500 | 401;

/** Each provider's words for each fault: [Anthropic error type, Gemini status, OpenAI type, OpenAI code, message]. */
const FAULTS: Record<
  HttpFaultStatus,
  { anthropic: string; gemini: string; openaiType: string; openaiCode: string | null; message: string }
> = {
  429: {
    anthropic: 'rate_limit_error',
    gemini: 'RESOURCE_EXHAUSTED',
    openaiType: 'requests',
    openaiCode: 'rate_limit_exceeded',
    message: 'Rate limit reached (emulated fault). Please retry.',
  },
  500: {
    anthropic: 'api_error',
    gemini: 'INTERNAL',
    openaiType: 'server_error',
    openaiCode: null,
    message: 'The server had an error (emulated fault).',
  },
  401: {
    anthropic: 'authentication_error',
    gemini: 'UNAUTHENTICATED',
    openaiType: 'invalid_request_error',
    openaiCode: 'invalid_api_key',
    message: 'Incorrect API key provided (emulated fault).',
  },
};

function faultResponse(c: Context, status: HttpFaultStatus): Response {
  faultCounter += 1;
  const requestId = `req_fault_${String(faultCounter).padStart(8, '0')}`;
  // retry-after: 0 lets SDK retries (when enabled) go again at once instead of backing off for seconds.
  if (status === 429) c.header('retry-after', '0');
  const fault = FAULTS[status];
  switch (providerOf(c.req.path)) {
    case 'anthropic':
      c.header('request-id', requestId);
      return c.json({ type: 'error', error: { type: fault.anthropic, message: fault.message }, request_id: requestId }, status);
    case 'gemini':
      return c.json({ error: { code: status, message: fault.message, status: fault.gemini } }, status);
    default:
      c.header('x-request-id', requestId);
      return c.json({ error: { message: fault.message, type: fault.openaiType, param: null, code: fault.openaiCode } }, status);
  }
}

/** The three providers' "create a batch" calls. */
function isBatchCreate(c: Context): boolean {
  if (c.req.method !== 'POST') return false;
  const path = c.req.path;
  return path === '/v1/batches' || path === '/v1/messages/batches' || path.endsWith(':batchGenerateContent');
}

/** Everything but the emulator's own admin API counts as a provider call. */
export function httpFaultMiddleware(engine: BatchEngine): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.path.startsWith('/_emulator')) return next();
    const status = engine.takeHttpFault();
    if (status !== undefined) return faultResponse(c, status);
    if (isBatchCreate(c) && engine.takeCreateFault()) return faultResponse(c, 500);
    return next();
  };
}

/** Unknown paths still get an error body their SDK can parse. */
export function notFoundResponse(c: Context): Response {
  const message = `Unknown emulator route: ${c.req.method} ${c.req.path}`;
  switch (providerOf(c.req.path)) {
    case 'anthropic':
      return c.json({ type: 'error', error: { type: 'not_found_error', message }, request_id: null }, 404);
    case 'gemini':
      return c.json({ error: { code: 404, message, status: 'NOT_FOUND' } }, 404);
    default:
      return c.json({ error: { message, type: 'invalid_request_error', param: null, code: 'unknown_url' } }, 404);
  }
}
