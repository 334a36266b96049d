/**
 * Normalising and checking a job's requests, one at a time, so a list of any size is checked while
 * it streams into the store. Pure code: the client runs it before starting a job (so a person sees
 * the problem at once) and the first activity runs it again for small inline jobs started by other
 * means (Temporal UI, another SDK), before any provider call.
 */
import type { ChatMessage, PreparedRequest } from './types';

const ROLES = new Set(['system', 'user', 'assistant']);
/** Most problems a job reports at once; more would only bury the first. */
export const MAX_PROBLEMS = 20;

export function defaultCustomId(index: number): string {
  return `request-${index}`;
}

/** A bounded list of problems that still counts the ones it leaves out. */
export class ProblemList {
  private readonly kept: string[] = [];
  private dropped = 0;

  push(...problems: string[]): void {
    for (const p of problems) {
      if (this.kept.length < MAX_PROBLEMS) this.kept.push(p);
      else this.dropped += 1;
    }
  }

  get size(): number {
    return this.kept.length + this.dropped;
  }

  list(): string[] {
    return this.dropped ? [...this.kept, `... and ${this.dropped} more problems`] : [...this.kept];
  }
}

/**
 * Checks requests in order: shape, roles, a user message, custom IDs (given or `request-<i>`) and
 * their uniqueness across the whole job. Remembers every custom ID seen (the one thing that grows
 * with the job: a Set of strings).
 */
export class RequestChecker {
  readonly problems = new ProblemList();
  private readonly seen = new Map<string, number>();
  private index = 0;

  /** The normalised request, or undefined when it has problems (they are recorded). */
  add(input: unknown): PreparedRequest | undefined {
    const index = this.index++;
    const where = `request ${index}`;
    const { customId, messages } = unpack(input, index);
    if (typeof customId !== 'string' || customId.length === 0) {
      this.problems.push(`${where}: customId must be a non-empty string`);
      return undefined;
    }
    const earlier = this.seen.get(customId);
    const duplicate = earlier !== undefined;
    if (duplicate) this.problems.push(`${where}: duplicate customId "${customId}" (also used by request ${earlier})`);
    else this.seen.set(customId, index);

    const messageProblems = checkMessages(messages, `${where} ("${customId}")`);
    this.problems.push(...messageProblems);
    if (messageProblems.length || duplicate) return undefined;
    return { customId, messages: (messages as ChatMessage[]).map((m) => ({ role: m.role, content: m.content })) };
  }

  /** How many requests were checked. */
  get count(): number {
    return this.index;
  }

  /** Every problem found, the empty list included. */
  finish(): string[] {
    if (this.index === 0) this.problems.push('requests is empty: a job needs at least one request');
    return this.problems.list();
  }
}

/** Turns a whole user list into prepared requests and lists every problem found (empty when all is well). */
export function prepareRequests(inputs: unknown): { requests: PreparedRequest[]; problems: string[] } {
  if (!Array.isArray(inputs)) return { requests: [], problems: ['requests must be an array of chat requests'] };
  const checker = new RequestChecker();
  const requests: PreparedRequest[] = [];
  for (const input of inputs) {
    const request = checker.add(input);
    if (request) requests.push(request);
  }
  return { requests, problems: checker.finish() };
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
