/**
 * A client script: starts the example job on a running worker, watches it, cancels it on Ctrl-C
 * (the job keeps what already finished), and prints the typed results.
 *
 *   npx durabatch emulator --port 8787 &                # or real keys in the worker's environment
 *   npx durabatch worker --emulator http://127.0.0.1:8787 &
 *   npx tsx examples/extract-users.ts [--provider anthropic]
 */
import { createDurabatch } from '../src/client';
import { EXAMPLE_MODELS, EXAMPLE_REQUESTS, exampleSchemas, User } from '../src/examples';
import type { ProviderName } from '../src/types';

async function main(): Promise<void> {
  const flag = process.argv.indexOf('--provider');
  const provider = (flag >= 0 ? process.argv[flag + 1] : 'openai') as ProviderName;
  const durabatch = await createDurabatch({ schemas: exampleSchemas });
  const job = await durabatch.start({
    provider,
    model: EXAMPLE_MODELS[provider],
    schema: User,
    requests: EXAMPLE_REQUESTS,
    maxTokens: 150,
    temperature: 0.1,
    timing: { pollInitialMs: 1000, pollMaxMs: 30_000 },
  });
  console.log(`started ${job.jobId}; Ctrl-C cancels it`);
  process.once('SIGINT', () => {
    console.log('\ncancelling: open provider batches are cancelled, finished items are kept');
    void job.cancel('Ctrl-C');
  });

  const done = job.result();
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    const s = await job.status();
    const batches = s.chunks.map((c) => `${c.batchId ?? 'planned'}:${c.providerStatus ?? c.state}`).join(' ');
    console.log(`${s.phase} · ${s.counts.succeeded}/${s.counts.total} ok · ${s.counts.failed} failed · ${batches}`);
    await Promise.race([done.catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
  }
  for await (const outcome of job.results()) {
    // `outcome.data` is typed { name: string; age: number; email: string }.
    if (outcome.ok) console.log(`${outcome.customId}: ${outcome.data.name} <${outcome.data.email}>, ${outcome.data.age}`);
    else console.log(`${outcome.customId}: ${outcome.error.type} after ${outcome.attempts} attempt(s)`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
