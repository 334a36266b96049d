/**
 * The benchmarks' workload: the example extraction job (src/examples: User schema, the same system
 * prompt) with one generated user text per request, so every line differs the way a real job's do.
 */
import type { ChatMessage, PreparedRequest } from '../../src/types';
import { EXAMPLE_REQUESTS, User } from '../../src/examples';

export { User };

const SYSTEM = EXAMPLE_REQUESTS[0]![0]!;

export function messagesFor(i: number): ChatMessage[] {
  return [
    SYSTEM,
    { role: 'user', content: `Person Number${i} is ${20 + (i % 60)} years old and can be reached at person${i}@example.com.` },
  ];
}

export function requestFor(i: number): PreparedRequest {
  return { customId: `request-${i}`, messages: messagesFor(i) };
}

export function makeRequests(n: number): PreparedRequest[] {
  return Array.from({ length: n }, (_, i) => requestFor(i));
}

/** One at a time, never the whole list: how a big job is handed to `start`. */
export function* generateRequests(n: number): Generator<PreparedRequest> {
  for (let i = 0; i < n; i++) yield requestFor(i);
}

export const MODEL = 'gpt-4o-mini';
export const PARAMS = { maxTokens: 150, temperature: 0.1 };
