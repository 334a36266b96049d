import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker';

/**
 * Jobs run for hours: a worker upgraded mid-job must replay their history exactly. Every saved
 * history (scripts/record-histories.ts) is replayed against today's workflow code.
 */
describe('saved workflow histories replay against the current workflow code', () => {
  it('replays every history in test/histories without non-determinism', async () => {
    const dir = join(__dirname, '..', 'histories');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    assert.ok(files.length >= 6, 'histories are recorded (and kept)');
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await readFile(join(dir, file), 'utf8')));
      await Worker.runReplayHistory({ workflowBundle }, history, file.replace(/\.json$/, ''));
    }
  });
});
