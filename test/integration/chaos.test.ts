import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runChaos, summaryLine } from '../../scripts/chaos-runner';

/** A short seeded chaos run (the long one is `npm run chaos -- --runs 100`): nothing lost, duplicated, wrong or billed twice. */
describe('chaos: worker kills, create-window kills, dev server and emulator restarts, 401/429/5xx storms, stalled downloads', () => {
  it('every request ends as exactly one right outcome, one provider batch per (job, attempt, chunk)', async () => {
    const report = await runChaos({ runs: 5, seed: 2026, concurrency: 3 });
    const line = summaryLine(report);
    console.log(line);
    assert.equal(report.jobs, 5, line);
    assert.deepEqual(
      [report.lost, report.duplicated, report.wrong, report.duplicateBatches, report.missingBatches],
      [0, 0, 0, 0, 0],
      `${line}\n${report.problems.join('\n')}`,
    );
    assert.ok(report.workerKills + report.createWindowKills + report.serverRestarts + report.faultWindows > 0, 'faults were injected');
    // Seed 2026's schedule restarts the emulator as its 3rd and 4th events, a few seconds in.
    assert.ok(report.emulatorRestarts >= 1, `the emulator was restarted: ${line}`);
  });
});
