import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ResultStore, StoredOutcome } from './types';

const CHUNK_FILE = /^attempt-(\d+)-chunk-(\d+)\.jsonl$/;

/**
 * Results as JSONL files: `<root>/<jobId>/attempt-<a>-chunk-<c>.jsonl`. Written to a temporary
 * name and renamed, so a reader never sees half a chunk and a rewrite replaces it whole.
 */
export class FileResultStore implements ResultStore {
  constructor(private readonly root: string) {}

  describe(jobId: string): string {
    return this.jobDir(jobId);
  }

  async writeChunk(jobId: string, attempt: number, chunk: number, outcomes: StoredOutcome[]): Promise<void> {
    const dir = this.jobDir(jobId);
    await mkdir(dir, { recursive: true });
    const file = join(dir, `attempt-${attempt}-chunk-${chunk}.jsonl`);
    // Unique per write: a retried fetch may run beside its own zombie first try in one process.
    const tmp = `${file}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(tmp, outcomes.map((o) => JSON.stringify(o) + '\n').join(''));
    await rename(tmp, file);
  }

  async clearJob(jobId: string): Promise<void> {
    await rm(this.jobDir(jobId), { recursive: true, force: true });
  }

  async *readAll(jobId: string, opts: { beforeAttempt?: number } = {}): AsyncIterable<StoredOutcome> {
    let names: string[];
    try {
      names = await readdir(this.jobDir(jobId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const files = names
      .map((name) => ({ name, m: CHUNK_FILE.exec(name) }))
      .filter((f): f is { name: string; m: RegExpExecArray } => f.m !== null)
      .filter((f) => opts.beforeAttempt === undefined || Number(f.m[1]) < opts.beforeAttempt)
      .sort((a, b) => Number(a.m[1]) - Number(b.m[1]) || Number(a.m[2]) - Number(b.m[2]));
    for (const { name } of files) {
      const lines = createInterface({ input: createReadStream(join(this.jobDir(jobId), name)), crlfDelay: Infinity });
      for await (const line of lines) if (line) yield JSON.parse(line) as StoredOutcome;
    }
  }

  private jobDir(jobId: string): string {
    // Job IDs are checked on start ([A-Za-z0-9._-]); encode anyway so no ID can leave the root.
    return join(this.root, encodeURIComponent(jobId));
  }
}
