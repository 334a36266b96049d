import { z } from 'zod';

/** The schemas integration tests use; the in-process and child-process workers get the same registry. */
export const User = z.object({ name: z.string(), age: z.number().int(), email: z.string().email() });
export const testSchemas = { User };

export const USER_REQUESTS = [
  'John Doe is 25 years old and his email is john@example.com',
  'Jane Smith, age 30, can be reached at jane.smith@company.com',
  'Bob Wilson (bob.wilson@email.com) is 28 years old',
].map((text) => [
  { role: 'system' as const, content: 'Extract user information from the text.' },
  { role: 'user' as const, content: text },
]);

/** `n` user requests with custom IDs `${prefix}-<i>`, each naming a different person. */
export function userRequests(n: number, prefix = 'item') {
  return Array.from({ length: n }, (_, i) => ({
    customId: `${prefix}-${i}`,
    messages: [
      { role: 'system' as const, content: 'Extract user information from the text.' },
      { role: 'user' as const, content: `Person Number${i} is ${20 + (i % 50)} years old, email p${i}@example.com` },
    ],
  }));
}
