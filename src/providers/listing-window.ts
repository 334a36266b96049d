/**
 * Find-before-create searches a provider's batch listing for a tag, back to the first try of the
 * submission. No provider documents its listing order for every API (Anthropic says newest first;
 * OpenAI and Gemini say nothing), so the search may stop at an old batch only while the listing
 * has been seen to run newest first. Listed oldest first, it reads every page instead: slower,
 * never wrong.
 */
export class ListingWindow {
  private previousMs: number | undefined;
  private newestFirst = true;

  /** @param sinceMs batches created before this cannot be the submission's */
  constructor(private readonly sinceMs: number) {}

  /** True when the search can stop: this batch is too old, and so are all that follow it. */
  pastWindow(createdMs: number): boolean {
    if (!Number.isFinite(createdMs)) return false;
    if (this.previousMs !== undefined && createdMs > this.previousMs) this.newestFirst = false;
    const stop = this.newestFirst && this.previousMs !== undefined && createdMs < this.sinceMs;
    this.previousMs = createdMs;
    return stop;
  }
}
