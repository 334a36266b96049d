import { z } from 'zod';
import type { ChatMessage } from './types';

/** The example job: the three extractions users know from Instructor's batch docs. */
export const User = z.object({ name: z.string(), age: z.number().int(), email: z.string().email() });
export const exampleSchemas = { User };

const SYSTEM: ChatMessage = { role: 'system', content: 'Extract user information from the text.' };
export const EXAMPLE_REQUESTS: ChatMessage[][] = [
  'John Doe is 25 years old and his email is john@example.com',
  'Jane Smith, age 30, can be reached at jane.smith@company.com',
  'Bob Wilson (bob.wilson@email.com) is 28 years old',
].map((text) => [SYSTEM, { role: 'user', content: text }]);

export const EXAMPLE_MODELS = { openai: 'gpt-4o-mini', anthropic: 'claude-haiku-4-5', gemini: 'gemini-2.5-flash' } as const;
