import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EtaEstimator, formatDuration } from '../../src/cli/eta';
import { formatStatusLine, notice } from '../../src/cli/status-line';
import { truncateWords, wrapWords } from '../../src/cli/width';
import type { ChunkState, JobStatus } from '../../src/job';

function chunk(over: Partial<ChunkState> = {}): ChunkState {
  return {
    attempt: 1,
    index: 0,
    offset: 0,
    items: 1000,
    state: 'in_progress',
    fetched: false,
    succeeded: 0,
    failed: 0,
    retryable: 0,
    finalErrors: {},
    retryableErrors: {},
    batchId: 'batch_6741a2b3c4d5e6f7a8b9c0d1e2f3a4b5',
    providerStatus: 'in_progress',
    ...over,
  };
}

function status(over: Partial<JobStatus> = {}): JobStatus {
  return {
    jobId: 'batch-20250101T120000-abc123',
    provider: 'openai',
    model: 'gpt-4o-mini',
    phase: 'polling',
    attempt: 1,
    maxAttempts: 3,
    counts: { total: 12_000, succeeded: 3_000, failed: 120, pending: 8_880 },
    usage: { inputTokens: 1_234_567, outputTokens: 345_678 },
    cancelRequested: false,
    chunks: [chunk({ providerCounts: { total: 1000, succeeded: 400, failed: 5 } }), chunk({ index: 1, batchId: 'batch_ffff0000aaaa' })],
    ...over,
  };
}

const WIDTHS = [40, 60, 80, 100, 132];

/** Every word of the line is a whole word of some field: nothing was cut in the middle. */
function assertNoCutWords(line: string, fields: string[]): void {
  const known = new Set(fields.flatMap((f) => f.split(/\s+/)));
  for (const word of line.split(/\s+/).filter(Boolean)) {
    if (/^\[[█░]*\]$/.test(word) || word.endsWith('…')) continue;
    assert.ok(known.has(word) || /^[\d,]+\/[\d,]+$/.test(word), `"${word}" is not a whole word in: ${line}`);
  }
}

describe('the status line', () => {
  it('fits every width, never cutting a word', () => {
    const s = status({ note: undefined });
    for (const width of WIDTHS) {
      const line = formatStatusLine(s, width, 95);
      assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
      assertNoCutWords(line, [
        'polling',
        '1,234 failed',
        '120 failed',
        'ETA 1m35s',
        'attempt 1/3',
        'a1/3',
        '1.2M in/346k out tok',
        '1.6M tok',
        'batch_6741a2b3c4d5e6f7a8b9c0d1e2f3a4b5 (in_progress), batch_ffff0000aaaa (in_progress)',
        '2 batches in_progress',
        'in_progress',
      ]);
    }
  });

  it('at 80 columns shows phase, bar, counts, failures, ETA, attempt and usage', () => {
    const line = formatStatusLine(
      status({ counts: { total: 120, succeeded: 30, failed: 2, pending: 88 }, chunks: [chunk({ items: 90 })] }),
      80,
      95,
    );
    assert.equal(line, 'polling    [████░░░░░░░░░░░░] 32/120  2 failed  ETA 1m35s  attempt 1/3  1.6M tok');
    assert.match(formatStatusLine(status(), 132, 95), /attempt 1\/3 {2}1\.2M in\/346k out tok/, 'wider: usage in full');
    // Bigger numbers take room: the least important fields shrink first, then go.
    assert.equal(formatStatusLine(status(), 80, 95), 'polling    [█████░░░░░░░░░░░] 3,525/12,000  120 failed  ETA 1m35s  attempt 1/3');
  });

  it('counts what the provider reports as processed, so the bar moves while a batch runs', () => {
    const before = formatStatusLine(status({ chunks: [chunk()] }), 80);
    const during = formatStatusLine(status({ chunks: [chunk({ providerCounts: { total: 1000, succeeded: 900, failed: 0 } })] }), 80);
    assert.match(before, / 3,120\/12,000 /);
    assert.match(during, / 4,020\/12,000 /);
  });

  it('a note is pointed at on the line and printed in full above it', () => {
    const s = status({
      note: 'no worker is polling task queue q: the job waits for one (start one with: durabatch worker --task-queue q)',
    });
    const line = formatStatusLine(s, 80);
    assert.ok(line.length <= 80);
    assert.match(line, /waiting/);
    assert.match(notice(s)!, /^note: no worker is polling task queue q/);
  });

  it('an ended job shows no ETA', () => {
    const done = status({
      phase: 'completed',
      counts: { total: 10, succeeded: 10, failed: 0, pending: 0 },
      chunks: [chunk({ fetched: true, state: 'completed' })],
    });
    assert.doesNotMatch(formatStatusLine(done, 80, 5), /ETA/);
  });
});

describe('fitting text', () => {
  it('truncates at a word boundary with an ellipsis, or drops a field whose first word does not fit', () => {
    assert.equal(truncateWords('retrying submitChunk (try 3)', 21), 'retrying submitChunk…');
    assert.equal(truncateWords('retrying submitChunk (try 3)', 20), 'retrying…');
    assert.equal(truncateWords('batch_6741a2b3c4d5e6f7 (in_progress)', 10), '');
    assert.equal(truncateWords('short', 10), 'short');
  });

  it('wraps without cutting words, continuation lines indented', () => {
    const lines = wrapWords(
      'stopped watching; job batch-20250101T120000-abc123 keeps running. To cancel it run the command below',
      40,
      '  ',
    );
    assert.ok(
      lines.every((l) => l.length <= 40),
      lines.join('\n'),
    );
    assert.equal(
      lines.join(' ').replace(/\s+/g, ' '),
      'stopped watching; job batch-20250101T120000-abc123 keeps running. To cancel it run the command below',
    );
  });

  it('estimates the time left from the rate since watching began', () => {
    const eta = new EtaEstimator();
    assert.equal(eta.update(100, 1100, 0), undefined);
    assert.equal(eta.update(100, 1100, 5000), undefined, 'nothing moved yet');
    assert.equal(eta.update(600, 1100, 10_000), 10);
    assert.equal(formatDuration(3725), '1h02m');
  });
});
