import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { Durabatch, JobFailedError } from '../../src/client';
import { DEFAULT_RETRY_ON, DEFAULT_TIMING, type JobInput } from '../../src/job';
import { InvalidJobError } from '../../src/validate-job';
import { FAST_TIMING, startTestEnv, type TestEnv } from '../helpers/test-env';
import { User, USER_REQUESTS } from '../helpers/schemas';

const WithDate = z.object({ when: z.date() });
const NotAnObject = z.array(z.string());

describe('bad input is rejected before any provider call', () => {
  let env: TestEnv;
  let durabatch: Durabatch;
  before(async () => {
    env = await startTestEnv();
    durabatch = new Durabatch(env.client, { schemas: { User, WithDate, NotAnObject }, taskQueue: env.taskQueue, store: env.store });
  });
  after(async () => {
    await env?.close();
  });

  async function rejected(options: Record<string, unknown>, pattern: RegExp): Promise<void> {
    await assert.rejects(
      durabatch.start({ provider: 'openai', model: 'gpt-4o-mini', schema: User, requests: USER_REQUESTS, ...options } as never),
      (err: unknown) => {
        assert.ok(err instanceof InvalidJobError, `InvalidJobError, got ${err}`);
        assert.match(err.message, pattern);
        return true;
      },
    );
  }

  it('rejects each kind of bad input with an actionable message', async () => {
    await rejected({ requests: [] }, /requests is empty/);
    await rejected({ requests: [[{ role: 'system', content: 'only a system prompt' }]] }, /request 0 .*no user message/);
    await rejected({ requests: [[{ role: 'robot', content: 'hi' }]] }, /unknown role "robot" \(use system, user or assistant\)/);
    await rejected(
      {
        requests: [
          { customId: 'a', messages: USER_REQUESTS[0] },
          { customId: 'a', messages: USER_REQUESTS[1] },
        ],
      },
      /duplicate customId "a" \(also used by request 0\)/,
    );
    await rejected({ requests: [{ customId: 'x'.repeat(600), messages: USER_REQUESTS[0] }] }, /at most 512 characters/);
    await rejected(
      { provider: 'anthropic', model: 'claude-haiku-4-5', requests: [{ customId: 'user 1/a', messages: USER_REQUESTS[0] }] },
      /request "user 1\/a": custom ID "user 1\/a" is not allowed by Anthropic: use 1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'/,
    );
    await rejected({ provider: 'acme' }, /unknown provider "acme" \(use openai, anthropic, gemini\)/);
    await rejected({ schema: WithDate }, /cannot become JSON Schema: Date/);
    await rejected({ schema: NotAnObject }, /must be a z.object/);
    await rejected({ schema: z.object({ a: z.string() }) }, /not in the registry/);
    await rejected({ maxTokens: 0 }, /maxTokens/);
    await rejected({ jobId: 'has spaces' }, /job ID/);
    // Names of directories, never of jobs: the store would remove what they point at.
    await rejected({ jobId: '.' }, /job ID "\." must be .* starting with a letter or digit/);
    await rejected({ jobId: '..' }, /job ID "\.\." must be .* starting with a letter or digit/);
    await rejected({ timing: { pollInitialMs: 0 } }, /timing.pollInitialMs must be at least 10 ms/);
    await rejected({ timing: { pollInitialMs: 5000, pollMaxMs: 1000 } }, /timing.pollMaxMs must be at least timing.pollInitialMs/);
    // Nothing was started and no provider was called.
    assert.equal(env.emulator.stats().batchesCreated, 0);
    const running = env.client.workflow.list({ query: `TaskQueue = "${env.taskQueue}"` });
    for await (const wf of running) assert.fail(`no workflow should have started, found ${wf.workflowId}`);
  });

  it('fails the job with a clear message when the worker has no API key for a real provider', async () => {
    const noKeys = await startTestEnv({ startWorker: false });
    try {
      await noKeys.startWorker({ emulator: false });
      const job = await noKeys.durabatch.start({ provider: 'openai', model: 'gpt-4o-mini', schema: User, requests: USER_REQUESTS });
      await assert.rejects(job.result(), (err: unknown) => {
        assert.ok(err instanceof JobFailedError);
        assert.equal(err.type, 'MissingApiKey');
        assert.match(err.message, /no API key for openai: set OPENAI_API_KEY/);
        return true;
      });
      assert.equal(noKeys.emulator.stats().batchesCreated, 0);
    } finally {
      await noKeys.close();
    }
  });

  it('re-checks input inside the workflow for jobs started without the client', async () => {
    const input: JobInput = {
      jobId: 'raw-start',
      provider: 'openai',
      model: 'gpt-4o-mini',
      schemaName: 'User',
      requests: [{ customId: 'r', messages: [{ role: 'system', content: 'no user here' }] }],
      params: {},
      maxAttempts: 2,
      retryOn: DEFAULT_RETRY_ON,
      timing: DEFAULT_TIMING,
    };
    const handle = await env.client.workflow.start('batchJobWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: input.jobId,
      args: [input],
    });
    const job = durabatch.getJob(handle.workflowId);
    await assert.rejects(job.result(), /job raw-start failed: invalid batch job:\n {2}- request 0 \("r"\): has no user message/);

    const unknownSchema = {
      ...input,
      jobId: 'raw-unknown-schema',
      schemaName: 'Nope',
      requests: [{ customId: 'r', messages: USER_REQUESTS[0] }],
    };
    await env.client.workflow.start('batchJobWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: unknownSchema.jobId,
      args: [unknownSchema],
    });
    await assert.rejects(durabatch.getJob(unknownSchema.jobId).result(), /schema "Nope" is not registered on this worker/);

    // A job ID of "." or ".." fails before the store is touched: the other jobs' data stays.
    const kept = await durabatch.start({
      provider: 'openai',
      model: 'gpt-4o-mini',
      schema: User,
      requests: USER_REQUESTS,
      jobId: 'kept-job',
      timing: FAST_TIMING,
    });
    await kept.result();
    for (const jobId of ['.', '..']) {
      await env.client.workflow.start('batchJobWorkflow', {
        taskQueue: env.taskQueue,
        workflowId: jobId,
        args: [{ ...unknownSchema, jobId, schemaName: 'User' }],
      });
      await assert.rejects(durabatch.getJob(jobId).result(), /must be 1-200 characters .* starting with a letter or digit/);
    }
    assert.equal((await kept.allResults()).length, 3, 'the store still holds the other job');
    const batchesBefore = env.emulator.stats().batchesCreated;

    // Not retried forever: an unknown provider fails the job at once.
    const unknownProvider = { ...unknownSchema, jobId: 'raw-unknown-provider', schemaName: 'User', provider: 'acme' as never };
    await env.client.workflow.start('batchJobWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: unknownProvider.jobId,
      args: [unknownProvider],
    });
    await assert.rejects(durabatch.getJob(unknownProvider.jobId).result(), /unknown provider "acme" \(use openai, anthropic, gemini\)/);
    assert.equal(env.emulator.stats().batchesCreated, batchesBefore);
  });
});
