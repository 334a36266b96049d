/**
 * Records workflow histories of every path of the workflow (per provider: happy path, item retries,
 * signal cancel, Temporal cancel, continue-as-new, creates that fail; a failed job) into
 * test/histories/, for the replay test.
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

type Recording = {
  name: string;
  /** Runs the job to its end; returns its job ID. */
  run: (env: TestEnv, jobId: string) => Promise<void>;
  /** Needs a server that suggests continue-as-new early. */
  continuesAsNew?: boolean;
};

const start = (env: TestEnv, provider: ProviderName, jobId: string, extra: Record<string, unknown> = {}) =>
  env.durabatch.start({
    provider,
    model: EXAMPLE_MODELS[provider],
    schema: User,
    jobId,
    requests: userRequests(4),
    timing: FAST_TIMING,
    ...extra,
  });

async function cancelWhilePolling(env: TestEnv, provider: ProviderName, jobId: string, how: 'signal' | 'temporal'): Promise<void> {
  env.emulator.configure({ processingMs: 3000 });
  const job = await start(env, provider, jobId);
  await waitFor('polling', async () => (await job.status()).phase === 'polling');
  if (how === 'signal') await job.cancel('recording');
  else await env.client.workflow.getHandle(jobId).cancel();
  await job.allResults();
}

/** Each provider through every path the workflow has: the commands a running job may have recorded. */
const RECORDINGS: Recording[] = (['openai', 'anthropic', 'gemini'] as const).flatMap((provider): Recording[] => [
  { name: `${provider}-happy`, run: async (env, id) => void (await (await start(env, provider, id)).result()) },
  {
    name: `${provider}-retried`,
    run: async (env, id) => {
      env.emulator.configure({
        itemFaults: [
          { match: 'item-1', fault: 'schema_mismatch', times: 1 },
          { match: 'item-3', fault: 'refusal' },
        ],
      });
      await (await start(env, provider, id)).result();
    },
  },
  { name: `${provider}-signal-cancelled`, run: (env, id) => cancelWhilePolling(env, provider, id, 'signal') },
  { name: `${provider}-temporal-cancelled`, run: (env, id) => cancelWhilePolling(env, provider, id, 'temporal') },
  {
    name: `${provider}-continued`,
    continuesAsNew: true,
    run: async (env, id) => {
      env.emulator.configure({ processingMs: 2000, itemFaults: [{ match: 'item-2', fault: 'invalid_json', times: 1 }] });
      await (await start(env, provider, id, { timing: { ...FAST_TIMING, pollInitialMs: 50, pollMaxMs: 50 } })).result();
    },
  },
  {
    // Creates that never get through: the retry deadline ends the items as provider errors.
    name: `${provider}-creates-fail`,
    run: async (env, id) => {
      env.emulator.configure({ createErrors: 1_000_000 });
      await (await start(env, provider, id, { maxAttempts: 2, timing: { ...FAST_TIMING, retryDeadlineMs: 2000 } })).result();
    },
  },
  ...(provider === 'gemini'
    ? [
        {
          // A create refused with 404: the job fails, and accounts for its items.
          name: 'gemini-failed',
          run: async (env: TestEnv, id: string) => {
            env.emulator.configure({ unknownModels: ['no-such-model'] });
            await (await start(env, provider, id, { model: 'no-such-model' })).result().catch(() => undefined);
          },
        },
      ]
    : []),
]);

async function main(): Promise<void> {
  if (!prefix || !/^[a-z0-9-]+$/.test(prefix)) throw new Error('usage: npx tsx scripts/record-histories.ts <prefix>   (e.g. v3)');
  const dir = join(__dirname, '..', 'test', 'histories');
  const cli = await findTemporalCli();
  for (const continuesAsNew of [false, true]) {
    const todo = RECORDINGS.filter((r) => Boolean(r.continuesAsNew) === continuesAsNew);
    const env = await startTestEnv(
      continuesAsNew ? { serverArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=40'] } : {},
    );
    try {
      for (const recording of todo) {
        const jobId = `${prefix}-${recording.name}`;
        if (existsSync(join(dir, `${jobId}.json`)) || existsSync(join(dir, `${jobId}-run1.json`))) {
          console.log(`kept ${jobId} (recorded before; histories are never re-recorded)`);
          continue;
        }
        env.emulator.reset();
        env.emulator.configure({ validatingMs: 30, processingMs: 200, finalizingMs: 30 });
        await recording.run(env, jobId);
        // Every run of the job (a continued job has several), oldest first, in the CLI's standard JSON history format.
        const runs: string[] = [];
        for await (const wf of env.client.workflow.list({ query: `WorkflowId = "${jobId}"` })) runs.push(wf.runId);
        runs.reverse();
        for (const [i, runId] of runs.entries()) {
          const json = execFileSync(cli, [
            'workflow',
            'show',
            '--workflow-id',
            jobId,
            '--run-id',
            runId,
            '--address',
            env.server.address,
            '--output',
            'json',
          ]);
          const file = runs.length === 1 ? `${jobId}.json` : `${jobId}-run${i + 1}.json`;
          await writeFile(join(dir, file), json);
          console.log(`recorded ${file}: ${JSON.parse(json.toString()).events.length} events`);
        }
      }
    } finally {
      await env.close();
    }
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
