import type { OutcomeWriter, StoredOutcome } from './types';

/**
 * Collects outcomes into groups of `size` and writes each group with one call, keeping one write in
 * flight while the next group fills: the store's work (a COPY parsed by PostgreSQL, a file write in
 * libuv's pool) overlaps the parsing and validating of the next lines instead of idling them.
 * Memory stays bounded: at most one group being filled and one being written.
 *
 * A failed write is reported by the next `flush` or `settle`, in the order the writes were made.
 */
export class OutcomeGroups {
  private group: StoredOutcome[] = [];
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly writer: OutcomeWriter,
    private readonly size: number,
    private readonly onWritten: (count: number) => void,
  ) {}

  /** Adds one outcome; returns a promise to await only when the group was full and handed on. */
  add(outcome: StoredOutcome): Promise<void> | undefined {
    this.group.push(outcome);
    return this.group.length >= this.size ? this.flush() : undefined;
  }

  /** Waits for the write before (the writer takes one at a time), then starts this group's. */
  async flush(): Promise<void> {
    await this.settle();
    const group = this.group;
    this.group = [];
    const write = this.writer.write(group).then(() => this.onWritten(group.length));
    // Judged by the next flush or settle; unheard until then, it must not count as unhandled.
    write.catch(() => undefined);
    this.inFlight = write;
  }

  /** Waits until every write started has ended; throws the error of one that failed. */
  async settle(): Promise<void> {
    const write = this.inFlight;
    this.inFlight = undefined;
    if (write) await write;
  }

  /** Forgets what is not written yet (the writer is being thrown away). */
  drop(): void {
    this.group = [];
  }
}
