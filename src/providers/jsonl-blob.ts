/** Lines per part: big enough that parts are few, small enough that only one group's strings are alive. */
const GROUP = 1_000;

/**
 * A chunk's JSONL as a Blob, its lines made and encoded a group at a time. Each group's strings
 * are encoded into a small Blob and dropped; the final Blob only refers to the parts (no copy), so
 * the worker never holds the whole body as strings beside its encoded bytes: about half the memory
 * of `new Blob(allLines)` (a 50,000-line, 58 MB File measured alone: 152 MiB RSS built this way,
 * 236 MiB from all its lines at once). Nothing is joined into one string or written to disk.
 */
export function jsonlParts<T>(items: readonly T[], line: (item: T) => string): Blob[] {
  const parts: Blob[] = [];
  for (let from = 0; from < items.length; from += GROUP) {
    const group: string[] = [];
    for (let i = from; i < Math.min(items.length, from + GROUP); i++) group.push(line(items[i]!));
    parts.push(new Blob(group));
  }
  return parts;
}
