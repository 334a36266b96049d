/**
 * The emulator's state on disk (EmulatorOptions.stateDir), so a restarted emulator still knows
 * every batch and file:
 *
 *   state.jsonl   one StateRecord per line, appended (synchronously) as the engine changes
 *   blobs/<sha>   file contents, named by their SHA-256, written to a temp name and renamed
 *   lock          the pid of the emulator using the directory
 *
 * Crash safety: an append is one write of one line, done before the HTTP answer leaves, so a process
 * killed at any point leaves every answered change on disk plus at most one torn last line, which
 * loading skips. A blob is complete before the record naming it is written. At start (and on reset)
 * the log is rewritten as a snapshot, to a temp file that is synced and renamed over the old one, so
 * the log stays as big as the state plus the changes of one run, and blobs no longer named are
 * removed. Appends are not fsynced: a killed process loses nothing, a power cut may lose the last
 * changes.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { EngineStore, StateRecord, StoredFile } from './engine';

const LOG = 'state.jsonl';
const BLOBS = 'blobs';
const LOCK = 'lock';

/** A file record on disk: the bytes live in a blob. */
type DiskFile = Omit<StoredFile, 'bytes'> & { blob: string };
type DiskRecord = Exclude<StateRecord, { t: 'file' }> | { t: 'file'; file: DiskFile; ids: number };

/** True while a process with this pid exists (EPERM: it exists, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class StateLog implements EngineStore {
  /** Records that could not be read at the last load (a torn last line after a crash). */
  skipped = 0;
  private fd: number | undefined;
  private readonly log: string;
  private readonly blobs: string;

  constructor(readonly dir: string) {
    this.log = join(dir, LOG);
    this.blobs = join(dir, BLOBS);
    mkdirSync(this.blobs, { recursive: true });
    this.lock();
  }

  load(): StateRecord[] {
    let text: string;
    try {
      text = readFileSync(this.log, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const records: StateRecord[] = [];
    this.skipped = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const record = this.read(line);
      if (record) records.push(record);
      else this.skipped += 1;
    }
    return records;
  }

  append(record: StateRecord): void {
    this.fd ??= openSync(this.log, 'a');
    writeSync(this.fd, JSON.stringify(this.toDisk(record)) + '\n');
  }

  replace(records: StateRecord[]): void {
    const disk = records.map((r) => this.toDisk(r));
    const tmp = `${this.log}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, disk.map((r) => JSON.stringify(r) + '\n').join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.closeLog();
    renameSync(tmp, this.log);
    this.removeUnnamedBlobs(disk);
  }

  close(): void {
    this.closeLog();
    rmSync(join(this.dir, LOCK), { force: true });
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Two live emulators on one directory would interleave and compact each other's logs. */
  private lock(): void {
    const path = join(this.dir, LOCK);
    let holder = NaN;
    try {
      holder = Number(readFileSync(path, 'utf8').trim());
    } catch {
      // no lock: nobody uses the directory
    }
    if (Number.isInteger(holder) && holder !== process.pid && alive(holder)) {
      throw new Error(`emulator state directory ${this.dir} is in use by process ${holder}`);
    }
    writeFileSync(path, String(process.pid));
  }

  private closeLog(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private toDisk(record: StateRecord): DiskRecord {
    if (record.t !== 'file') return record;
    const { bytes, ...file } = record.file;
    return { ...record, file: { ...file, blob: this.putBlob(bytes) } };
  }

  /** undefined for a line that is not a whole record, or a file whose blob is gone */
  private read(line: string): StateRecord | undefined {
    let record: DiskRecord;
    try {
      record = JSON.parse(line) as DiskRecord;
    } catch {
      return undefined;
    }
    if (!record || typeof record !== 'object' || typeof record.t !== 'string') return undefined;
    if (record.t !== 'file') return record;
    const { blob, ...file } = record.file;
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(this.blobs, blob));
    } catch {
      return undefined;
    }
    return { ...record, file: { ...file, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) } };
  }

  /** Content-addressed, so a blob is never rewritten with other bytes under the same name. */
  private putBlob(bytes: Uint8Array): string {
    const name = createHash('sha256').update(bytes).digest('hex');
    const path = join(this.blobs, name);
    if (statSync(path, { throwIfNoEntry: false })?.size === bytes.byteLength) return name;
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
    return name;
  }

  private removeUnnamedBlobs(records: DiskRecord[]): void {
    const named = new Set(records.flatMap((r) => (r.t === 'file' ? [r.file.blob] : [])));
    for (const name of readdirSync(this.blobs)) {
      if (!named.has(name)) rmSync(join(this.blobs, name), { force: true });
    }
  }
}
