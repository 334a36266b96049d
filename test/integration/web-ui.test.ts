/**
 * The Temporal Web UI as a person sees durabatch jobs in it, driven in Debian's chromium with
 * playwright-core against the dev server's own UI: the job list shows each job with its status (a
 * job cancelled by signal as Cancelled, not Completed), and a job's page shows its current details
 * (provider, phase, counts). It saves a screenshot of the job page (the README's): set
 * DURABATCH_SCREENSHOT_DIR to keep it, default a temporary directory.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from '../../src/devserver';
import { FAST_FAULTS, startTestEnv, waitFor, type TestEnv } from '../helpers/test-env';
import { User, userRequests } from '../helpers/schemas';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const timing = { pollInitialMs: 100, pollMaxMs: 400 };

describe('the Temporal Web UI', () => {
  let env: TestEnv;
  let browser: Browser;
  let page: Page;
  let shots: string;

  before(async () => {
    // A missing browser is a failure to see, not a test to skip: `.ci/run` installs it.
    assert.ok(existsSync(CHROMIUM), `no chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
    env = await startTestEnv({ uiPort: await freePort() });
    shots = process.env.DURABATCH_SCREENSHOT_DIR ?? (await mkdtemp(join(tmpdir(), 'durabatch-ui-')));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await env?.close();
    if (!process.env.DURABATCH_SCREENSHOT_DIR && shots) await rm(shots, { recursive: true, force: true });
  });

  const workflowsUrl = () => `${env.server.uiUrl}/namespaces/${env.server.namespace}/workflows`;

  it('lists a job cancelled by signal as Cancelled, and its results stay readable', async () => {
    env.emulator.configure({ ...FAST_FAULTS, processingMs: 60_000 });
    const job = await env.durabatch.start({
      jobId: 'ui-cancelled',
      provider: 'openai',
      model: 'gpt-4o-mini',
      schema: User,
      requests: userRequests(4),
      timing,
    });
    await waitFor('a submitted batch', async () => (await job.status()).phase === 'polling');
    await job.cancel('from the UI test');
    const summary = await job.result();
    assert.equal(summary.phase, 'cancelled');
    assert.equal((await env.client.workflow.getHandle('ui-cancelled').describe()).status.name, 'CANCELLED');
    const results = await job.allResults();
    assert.equal(results.length, 4);
    assert.ok(results.every((r) => !r.ok && r.error.type === 'cancelled'));

    await page.goto(workflowsUrl());
    const row = page.locator('tr, [role="row"], a').filter({ hasText: 'ui-cancelled' }).first();
    await row.waitFor({ timeout: 30_000 });
    const listText = await page.locator('body').innerText();
    assert.match(listText, /Cancel(l)?ed/, 'the list shows the job as Cancelled');
    assert.doesNotMatch(rowText(listText, 'ui-cancelled'), /Completed/);
  });

  it("shows a running job's phase and counts on its page", async () => {
    env.emulator.configure({ ...FAST_FAULTS, processingMs: 120_000 });
    const job = await env.durabatch.start({
      jobId: 'ui-running',
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      schema: User,
      requests: userRequests(6),
      timing,
    });
    await waitFor('a submitted batch', async () => (await job.status()).phase === 'polling');

    await page.goto(workflowsUrl());
    await page.locator('a, tr').filter({ hasText: 'ui-running' }).first().waitFor({ timeout: 30_000 });
    assert.match(rowText(await page.locator('body').innerText(), 'ui-running'), /Running/);

    await page.goto(`${workflowsUrl()}/ui-running`);
    // The job's current details (setCurrentDetails) are under the page's User Metadata tab.
    await page.getByText('User Metadata', { exact: true }).first().click({ timeout: 30_000 });
    await waitFor(
      'the current details',
      async () => {
        const text = await allText(page);
        return (
          /anthropic claude-haiku-4-5/.test(text) && /phase\s+polling/.test(text) && /0 succeeded · 0 failed · 6 pending of 6/.test(text)
        );
      },
      30_000,
    );
    const file = join(shots, 'web-ui-job.png');
    await page.screenshot({ path: file, fullPage: false });
    assert.ok((await stat(file)).size > 10_000, 'a real screenshot');
    await job.cancel();
    await job.result();
  });
});

/** The text of the page and of its frames: the UI renders a workflow's details (markdown) in a sandboxed frame. */
async function allText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map((f) =>
      f
        .locator('body')
        .innerText()
        .catch(() => ''),
    ),
  );
  return texts.join('\n');
}

/** The lines of the page text around the job's ID: its row in the list. */
function rowText(text: string, jobId: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes(jobId));
  return at < 0 ? '' : lines.slice(Math.max(0, at - 3), at + 4).join('\n');
}
