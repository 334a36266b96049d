/**
 * Writes a finished OpenAI batch's output and error files into the engine's file store, once.
 * Files are created lazily the first time anyone looks at the batch after it ended, which keeps the
 * engine free of timers while still giving every reader the same file ids.
 */
import type { BatchEngine, EmulatedBatch } from './engine';
import { metaOf, resultLine } from './openai-wire';

/** Output files are deleted 30 days after completion (OpenAI batch guide). */
export const OUTPUT_FILE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

const encoder = new TextEncoder();

function jsonl(lines: unknown[]): Uint8Array {
  return encoder.encode(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
}

export function ensureResultFiles(engine: BatchEngine, batch: EmulatedBatch): void {
  const meta = metaOf(batch);
  if (meta.output_file_id !== undefined) return; // already written (null = nothing to write)
  const results = engine.results(batch);
  if (!results) return;
  const endedAtMs = engine.timestamps(batch).endedAtMs ?? batch.createdAtMs;
  const output: unknown[] = [];
  const errors: unknown[] = [];
  for (const result of results) {
    const { file, line } = resultLine(batch, result, endedAtMs);
    (file === 'output' ? output : errors).push(line);
  }
  // Like the real API: a file only exists when it has lines.
  const write = (lines: unknown[], suffix: string): string | null => {
    if (lines.length === 0) return null;
    const id = engine.newId('file-');
    engine.putFile({
      id,
      provider: 'openai',
      filename: `${batch.id}_${suffix}.jsonl`,
      purpose: 'batch_output',
      bytes: jsonl(lines),
      createdAtMs: endedAtMs,
      mimeType: 'application/jsonl',
      ttlMs: OUTPUT_FILE_TTL_MS,
    });
    return id;
  };
  meta.output_file_id = write(output, 'output');
  meta.error_file_id = write(errors, 'error');
  engine.updated(batch);
}
