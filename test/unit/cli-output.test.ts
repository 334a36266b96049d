import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT, exitCodeMarkdown } from '../../src/cli/exit-codes';
import { formatJobTable, listQuery, type JobRow } from '../../src/cli/job-list';
import { errorLines } from '../../src/cli/report-error';
import { csvRow, CSV_HEADER } from '../../src/cli/write-results';

const NOW = Date.parse('2025-01-02T12:00:00Z');
const row = (over: Partial<JobRow>): JobRow => ({
  jobId: 'batch-20250102T115900-abc123',
  provider: 'openai',
  model: 'gpt-4o-mini',
  phase: 'polling',
  items: 20_000,
  startTime: '2025-01-02T11:59:00Z',
  closeTime: null,
  ...over,
});

describe('CLI output', () => {
  it('the job table fits 80 columns; over-long IDs and models are cut in the middle, not at the end', () => {
    const rows = [
      row({}),
      row({
        jobId: 'a-very-long-job-id-that-someone-chose-for-their-nightly-extraction-run',
        model: 'claude-3-5-haiku-20241022-with-a-long-suffix',
        provider: 'anthropic',
        phase: 'cancelling',
        startTime: '2024-12-20T12:00:00Z',
      }),
      row({ jobId: 'short', phase: 'failed', items: null }),
    ];
    const lines = formatJobTable(rows, 80, NOW);
    for (const line of lines) assert.ok(line.length <= 80, `${line.length}: ${line}`);
    assert.match(lines[0]!, /^ID +PROVIDER +MODEL +PHASE +ITEMS +AGE$/);
    assert.match(lines[1]!, /^batch-20250102T115900-abc123 +openai +gpt-4o-mini +polling +20,000 +1m$/);
    assert.equal(lines[2], 'a-very-long-jo…xtraction-run  anthropic  claude-…suffix  cancelling  20,000  13d');
  });

  it('the list query finds durabatch jobs by type, phase and provider', () => {
    assert.equal(listQuery({}), "WorkflowType = 'batchJobWorkflow' AND ExecutionStatus != 'ContinuedAsNew'");
    assert.match(
      listQuery({ phase: 'polling', provider: 'gemini' }),
      /ExecutionStatus = 'Running' AND DurabatchPhase = 'polling' AND DurabatchProvider = 'gemini'$/,
    );
    assert.match(listQuery({ phase: 'failed' }), /ExecutionStatus IN \('Failed', 'Terminated', 'TimedOut'\)$/);
  });

  it('CSV: one row per outcome, the value as JSON, quoted by RFC 4180', () => {
    assert.deepEqual(CSV_HEADER, ['id', 'ok', 'value', 'error_type', 'error_message', 'attempts']);
    assert.equal(
      csvRow({ customId: 'r-0', ok: true, data: { name: 'Ann, "A"' }, attempts: 1 }),
      'r-0,true,"{""name"":""Ann, \\""A\\""""}",,,1',
    );
    assert.equal(
      csvRow({ customId: 'r-1', ok: false, error: { type: 'invalid_json', message: 'line 1\nline 2' }, attempts: 3 }),
      'r-1,false,,invalid_json,"line 1\nline 2",3',
    );
  });

  it('errors wrap to the terminal, list items keep their indent', () => {
    const lines = errorLines(
      'invalid job, nothing was started:\n  - --poll-max (1000 ms) must be at least --poll (30000 ms, the default) and this goes on for a while',
      60,
    );
    assert.ok(
      lines.every((l) => l.length <= 60),
      lines.join('\n'),
    );
    assert.equal(lines[0], 'durabatch: invalid job, nothing was started:');
    assert.match(lines[1]!, /^ {2}- --poll-max/);
    assert.match(lines[2]!, /^ {4}\S/);
  });

  it('the exit code table is the one the code uses', () => {
    const table = exitCodeMarkdown();
    for (const code of Object.values(EXIT)) assert.match(table, new RegExp(`^\\| ${code} \\|`, 'm'));
  });
});
