/**
 * Fitting text into a terminal's width without cutting a word in half: everything the CLI prints
 * while watching or listing goes through here, so an 80-column terminal never wraps a line.
 */

/** Columns to fit: a terminal's own width, else $COLUMNS (pipes, CI), else 80. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number } = process.stderr): number {
  if (stream.isTTY && stream.columns) return stream.columns;
  const fromEnv = Number(process.env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv >= 20 ? fromEnv : 80;
}

export const ELLIPSIS = '…';

/**
 * `text` in at most `max` columns: whole if it fits, else cut at the last space that leaves room
 * for an ellipsis. When not even the first word fits, '' (a field is better dropped than cut).
 */
export function truncateWords(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 2) return '';
  const cut = text.lastIndexOf(' ', max - 1);
  if (cut <= 0) return '';
  return text.slice(0, cut).replace(/[\s,;:·(]+$/, '') + ELLIPSIS;
}

/** Middle-cut for identifiers (job IDs): both ends stay recognisable. */
export function truncateMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < 3) return text.slice(0, max);
  const head = Math.ceil((max - 1) / 2);
  return text.slice(0, head) + ELLIPSIS + text.slice(text.length - (max - 1 - head));
}

/**
 * Word-wraps `text` to `width` columns; continuation lines get `indent`. A single word longer than
 * the line (a path, a URL) is broken only as a last resort, so every line fits.
 */
export function wrapWords(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  const flush = () => {
    lines.push(line);
    line = '';
  };
  const start = () => (lines.length ? indent : '');
  text.split('\n').forEach((paragraph, p) => {
    if (p > 0) flush();
    for (const word of paragraph.split(/ +/).filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : start() + word;
      if (candidate.length <= width) {
        line = candidate;
        continue;
      }
      if (line) flush();
      let rest = word;
      // A word wider than a whole line: hard-break it (nothing else can make it fit).
      while (start().length + rest.length > width) {
        const room = Math.max(1, width - start().length);
        line = start() + rest.slice(0, room);
        flush();
        rest = rest.slice(room);
      }
      line = rest ? start() + rest : '';
    }
  });
  flush();
  return lines;
}
