/**
 * Where the client reached the emulator, for the absolute URLs it hands back (Anthropic's
 * results_url, Gemini's upload and file URLs). Taken from each request rather than from the
 * listening address: bound to 0.0.0.0 in a container, the emulator is reached by its neighbours as
 * e.g. http://emulator:8080, and a URL naming 0.0.0.0 would send them nowhere. The Node adapter
 * builds the request URL from the Host header, so a service name or a proxy's host comes through
 * exactly as the client used it.
 */
import type { Context } from 'hono';

export function requestOrigin(c: Context): string {
  return new URL(c.req.url).origin;
}
