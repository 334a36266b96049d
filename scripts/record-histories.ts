/**
 * Records workflow histories of representative jobs into test/histories/, for the replay test.
 * Re-record only on purpose (a deliberate, versioned workflow change): the saved histories are
 * what proves a change to workflow code still replays jobs that are already running.
 *   npx tsx scripts/record-histories.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findTemporalCli } from '../src/devserver';
import { User, userRequests } from '../test/helpers/schemas';
import { FAST_TIMING, startTestEnv, waitFor } from '../test/helpers/test-env';

async function main(): Promise<void> {
  const env = await startTestEnv();
  const dir = join(__dirname, '..', 'test', 'histories');
  const base = { provider: 'openai' as const, model: 'gpt-4o-mini', schema: User, timing: FAST_TIMING };
  try {
    env.emulator.configure({ itemFaults: [{ match: 'item-1', fault: 'schema_mismatch', times: 1 }, { match: 'item-3', fault: 'refusal' }] });
    const retried = await env.durabatch.start({ ...base, jobId: 'history-retried', requests: userRequests(4) });
    await retried.result();

    env.emulator.configure({ itemFaults: [], processingMs: 3000 });
    const cancelled = await env.durabatch.start({ ...base, jobId: 'history-cancelled', requests: userRequests(3) });
    await waitFor('polling', async () => (await cancelled.status()).phase === 'polling');
    await cancelled.cancel('recording');
    await cancelled.result();

    // The CLI writes the standard JSON history format (the SDK's own historyToJSON trips over
    // two protobufjs copies in its dependency tree).
    const cli = await findTemporalCli();
    for (const jobId of ['history-retried', 'history-cancelled']) {
      const json = execFileSync(cli, ['workflow', 'show', '--workflow-id', jobId, '--address', env.server.address, '--output', 'json']);
      await writeFile(join(dir, `${jobId}.json`), json);
      console.log(`recorded ${jobId}: ${JSON.parse(json.toString()).events.length} events`);
    }
  } finally {
    await env.close();
  }
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
