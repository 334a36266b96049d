/** Lines per group: big enough that groups are few, small enough that only one group's text is alive. */
const GROUP = 1_000;

/**
 * A chunk's JSONL, a group of lines at a time, each group one string. Nothing is joined into one
 * string or written to disk, and only the group being made is alive as strings.
 */
export function* jsonlGroups<T>(items: readonly T[], line: (item: T) => string): Generator<string> {
  for (let from = 0; from < items.length; from += GROUP) {
    let text = '';
    for (let i = from; i < Math.min(items.length, from + GROUP); i++) text += line(items[i]!);
    yield text;
  }
}

/**
 * The same lines made while an upload sends them: each group is built only when the request body
 * asks for more, so the worker never holds the chunk's body at all, as strings or as bytes.
 */
export async function* streamedJsonl<T>(items: readonly T[], line: (item: T) => string): AsyncGenerator<string> {
  yield* jsonlGroups(items, line);
}

/**
 * A chunk's JSONL as Blob parts, one encoded part per group, for uploads that need the whole body
 * as a Blob (Gemini's resumable upload reads it in slices). Each group's string is dropped once
 * encoded and the Blob built from the parts only refers to them (no copy): a 50,000-line, 58 MB
 * body measured alone took 152 MiB RSS built this way, 236 MiB from all its lines at once.
 *
 * One part per group, not one per line: a Blob streams part by part, and fetch's body pipeline
 * costs tens of microseconds per piece, so a Blob of 50,000 line strings took 2.3 s to upload
 * against 0.75 s for the same bytes in 50 parts.
 */
export function jsonlParts<T>(items: readonly T[], line: (item: T) => string): Blob[] {
  return Array.from(jsonlGroups(items, line), (text) => new Blob([text]));
}
