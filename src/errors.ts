/**
 * The root of every error durabatch throws on purpose, so a caller can tell "durabatch refused or
 * reported this" (`err instanceof DurabatchError`) from a bug or a network fault, then narrow by
 * subclass. Each subclass sets `name`: Temporal turns an activity's error name into the failure's
 * type, which the retry policy and the client read.
 */
export class DurabatchError extends Error {
  override name: string = 'DurabatchError';
}
