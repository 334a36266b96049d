import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { MAX_INLINE_REQUEST_BYTES } from '../../src/job';
import { findTemporalCli } from '../../src/devserver';
import { User, userRequests } from '../helpers/schemas';
import { FAST_FAULTS, startTestEnv, type TestEnv } from '../helpers/test-env';

/** History grows with chunks and polls, never with items: payloads carry references and counts only. */
describe('history is bounded by chunks and polls, never by items', () => {
  let env: TestEnv;
  let cli: string;
  before(async () => {
    env = await startTestEnv();
    cli = await findTemporalCli();
  });
  after(async () => {
    await env?.close();
  });

  const history = (jobId: string) => {
    const json = execFileSync(cli, ['workflow', 'show', '--workflow-id', jobId, '--address', env.server.address, '--output', 'json'], {
      maxBuffer: 1 << 28,
    }).toString();
    return { json, events: (JSON.parse(json) as { events: unknown[] }).events.length, bytes: Buffer.byteLength(json) };
  };

  it('a 3-request job and a 20,000-request job have histories of the same size, without a single prompt in them', async () => {
    env.emulator.configure({ ...FAST_FAULTS, processingMs: 600 });
    // The same polls for both: the poll interval is longer than the processing time.
    const timing = { pollInitialMs: 1000, pollMaxMs: 1000, heartbeatTimeoutMs: 10_000 };
    const run = async (jobId: string, n: number) => {
      const job = await env.durabatch.start({
        jobId,
        provider: 'openai',
        model: 'gpt-4o-mini',
        schema: User,
        requests: userRequests(n),
        timing,
      });
      const summary = await job.result();
      assert.equal(summary.counts.succeeded, n);
      return history(jobId);
    };
    const small = await run('history-small', 3);
    const big = await run('history-big', 20_000);
    assert.ok(Math.abs(big.events - small.events) <= 4, `events: ${small.events} vs ${big.events}`);
    assert.ok(big.bytes < small.bytes * 1.2, `bytes: ${small.bytes} vs ${big.bytes}`);
    for (const text of ['Person Number19999', 'p12345@example.com', 'Extract user information']) {
      assert.equal(big.json.includes(text), false, `"${text}" must not be in history`);
    }
  });

  it('refuses an inline request list above the small inline limit for jobs started by other means', async () => {
    const requests = userRequests(Math.ceil(MAX_INLINE_REQUEST_BYTES / 100));
    const handle = await env.client.workflow.start('batchJobWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: 'inline-too-big',
      args: [
        {
          jobId: 'inline-too-big',
          provider: 'openai',
          model: 'gpt-4o-mini',
          schemaName: 'User',
          requests,
          params: {},
          maxAttempts: 1,
          retryOn: [],
          timing: { pollInitialMs: 100, pollMaxMs: 100, pollFactor: 1, heartbeatTimeoutMs: 2000 },
        },
      ],
    });
    await assert.rejects(
      env.durabatch.getJob(handle.workflowId).result(),
      /carries \d+ bytes of requests inline; at most 65536 may travel that way: start the job with durabatch start/,
    );
    const small = await env.client.workflow.start('batchJobWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: 'inline-small',
      args: [
        {
          jobId: 'inline-small',
          provider: 'openai',
          model: 'gpt-4o-mini',
          schemaName: 'User',
          requests: userRequests(3),
          params: {},
          maxAttempts: 1,
          retryOn: [],
          timing: { pollInitialMs: 100, pollMaxMs: 400, pollFactor: 1.5, heartbeatTimeoutMs: 2000 },
        },
      ],
    });
    const job = env.durabatch.getJob(small.workflowId);
    assert.equal((await job.result()).counts.succeeded, 3);
    assert.equal((await job.allResults()).length, 3, 'inline requests moved into the store by the first step');
  });
});
