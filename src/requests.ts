/**
 * Normalising and checking a job's requests. Pure code: the client runs it before starting a
 * job (so a person sees the problem at once) and the workflow runs it again for jobs started by
 * other means (CLI, Temporal UI), before any provider call.
 */
import type { ChatMessage, PreparedRequest } from './types';

const ROLES = new Set(['system', 'user', 'assistant']);
/** Most problems a job reports at once; more would only bury the first. */
const MAX_PROBLEMS = 20;

export function defaultCustomId(index: number): string {
  return `request-${index}`;
}

/** Turns user input into prepared requests and lists every problem found (empty when all is well). */
export function prepareRequests(inputs: unknown): { requests: PreparedRequest[]; problems: string[] } {
  const problems: string[] = [];
  const requests: PreparedRequest[] = [];
  if (!Array.isArray(inputs)) return { requests, problems: ['requests must be an array of chat requests'] };
  if (inputs.length === 0) return { requests, problems: ['requests is empty: a job needs at least one request'] };

  const seen = new Map<string, number>();
  inputs.forEach((input: unknown, index) => {
    const where = `request ${index}`;
    const { customId, messages } = unpack(input, index);
    if (typeof customId !== 'string' || customId.length === 0) {
      problems.push(`${where}: customId must be a non-empty string`);
      return;
    }
    const earlier = seen.get(customId);
    if (earlier !== undefined) problems.push(`${where}: duplicate customId "${customId}" (also used by request ${earlier})`);
    else seen.set(customId, index);

    const messageProblems = checkMessages(messages, `${where} ("${customId}")`);
    problems.push(...messageProblems);
    if (messageProblems.length === 0) {
      requests.push({ customId, messages: (messages as ChatMessage[]).map((m) => ({ role: m.role, content: m.content })) });
    }
  });
  return { requests, problems: cap(problems) };
}

function unpack(input: unknown, index: number): { customId: unknown; messages: unknown } {
  if (Array.isArray(input)) return { customId: defaultCustomId(index), messages: input };
  if (input && typeof input === 'object' && 'messages' in input) {
    const { customId, messages } = input as { customId?: unknown; messages: unknown };
    return { customId: customId === undefined ? defaultCustomId(index) : customId, messages };
  }
  return { customId: defaultCustomId(index), messages: undefined };
}

function checkMessages(messages: unknown, where: string): string[] {
  if (!Array.isArray(messages)) {
    return [`${where}: must be a list of messages, or { customId?, messages: [...] }`];
  }
  const problems: string[] = [];
  messages.forEach((m: unknown, i) => {
    const msg = m as Partial<ChatMessage> | null;
    if (!msg || typeof msg !== 'object') problems.push(`${where}: message ${i} is not an object`);
    else if (!ROLES.has(msg.role as string)) {
      problems.push(`${where}: message ${i} has unknown role ${JSON.stringify(msg.role)} (use system, user or assistant)`);
    } else if (typeof msg.content !== 'string') problems.push(`${where}: message ${i} content must be a string`);
  });
  if (problems.length === 0 && !messages.some((m: ChatMessage) => m.role === 'user' && m.content.trim() !== '')) {
    problems.push(`${where}: has no user message with content; every request needs one`);
  }
  return problems;
}

function cap(problems: string[]): string[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  return [...problems.slice(0, MAX_PROBLEMS), `... and ${problems.length - MAX_PROBLEMS} more problems`];
}
