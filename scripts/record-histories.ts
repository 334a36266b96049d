/**
 * Records workflow histories of representative jobs into test/histories/, for the replay test.
 * Histories are never re-recorded in place: a file that exists is kept (it stands for jobs that may
 * be running somewhere), and each recording round gets a new prefix. After a change to the
 * workflow, record a new round: `npx tsx scripts/record-histories.ts <prefix>`, e.g. `v3`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findTemporalCli } from '../src/devserver';
import type { ProviderName } from '../src/types';
import { EXAMPLE_MODELS } from '../src/examples';
import { User, userRequests } from '../test/helpers/schemas';
import { FAST_TIMING, startTestEnv, waitFor, type TestEnv } from '../test/helpers/test-env';

const prefix = process.argv[2];

/** Each recording: a job run to its end on a fresh emulator setting. */
const RECORDINGS: Array<{ name: string; provider: ProviderName; run: (env: TestEnv, jobId: string, provider: ProviderName) => Promise<void> }> = [
  ...(['openai', 'anthropic', 'gemini'] as const).map((provider) => ({
    name: `${provider}-retried`,
    provider,
    run: async (env: TestEnv, jobId: string) => {
      env.emulator.configure({ itemFaults: [{ match: 'item-1', fault: 'schema_mismatch', times: 1 }, { match: 'item-3', fault: 'refusal' }] });
      await (await env.durabatch.start({ provider, model: EXAMPLE_MODELS[provider], schema: User, jobId, requests: userRequests(4), timing: FAST_TIMING })).result();
    },
  })),
  {
    name: 'openai-cancelled',
    provider: 'openai',
    run: async (env, jobId) => {
      env.emulator.configure({ itemFaults: [], processingMs: 3000 });
      const job = await env.durabatch.start({ provider: 'openai', model: EXAMPLE_MODELS.openai, schema: User, jobId, requests: userRequests(3), timing: FAST_TIMING });
      await waitFor('polling', async () => (await job.status()).phase === 'polling');
      await job.cancel('recording');
      await job.result();
    },
  },
];

async function main(): Promise<void> {
  if (!prefix || !/^[a-z0-9-]+$/.test(prefix)) throw new Error('usage: npx tsx scripts/record-histories.ts <prefix>   (e.g. v3)');
  const dir = join(__dirname, '..', 'test', 'histories');
  const env = await startTestEnv();
  const cli = await findTemporalCli();
  try {
    for (const recording of RECORDINGS) {
      const jobId = `${prefix}-${recording.name}`;
      const file = join(dir, `${jobId}.json`);
      if (existsSync(file)) {
        console.log(`kept ${jobId} (recorded before; histories are never re-recorded)`);
        continue;
      }
      env.emulator.reset();
      env.emulator.configure({ validatingMs: 30, processingMs: 200, finalizingMs: 30 });
      await recording.run(env, jobId, recording.provider);
      // The CLI writes the standard JSON history format the replay test reads.
      const json = execFileSync(cli, ['workflow', 'show', '--workflow-id', jobId, '--address', env.server.address, '--output', 'json']);
      await writeFile(file, json);
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
