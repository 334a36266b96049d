import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { AesGcmCodec, codecFromEnv, CODEC_KEYS_ENV, ENCRYPTED_ENCODING } from '../../src/codec/aes-gcm-codec';
import { startCodecServer, type CodecServer } from '../../src/codec/codec-server';
import { findTemporalCli } from '../../src/devserver';
import { User } from '../helpers/schemas';
import { FAST_TIMING, startTestEnv, type TestEnv } from '../helpers/test-env';

/** The key is "from the environment", as a deployment would give it. */
const KEY_ID = 'test-2026';
const KEY_B64 = randomBytes(32).toString('base64');
const KEY_RAW = Buffer.from(KEY_B64, 'base64');
const previousKeys = process.env[CODEC_KEYS_ENV];
process.env[CODEC_KEYS_ENV] = `${KEY_ID}:${KEY_B64}`;

const SYSTEM = 'Extract user information from the text, privately.';
/** People only these requests name: the emulator answers with their names and e-mails. */
const PEOPLE = {
  inline: [
    ['Zebulon Quixote', 41, 'zebulon.quixote@inline-secret.example'],
    ['Philippa Ravensworth', 52, 'philippa.r@inline-secret.example'],
  ],
  started: [
    ['Ophelia Marchbanks', 37, 'ophelia.m@started-secret.example'],
    ['Bartholomew Underhill', 29, 'b.underhill@started-secret.example'],
  ],
} as const;
const requestsOf = (kind: keyof typeof PEOPLE) =>
  PEOPLE[kind].map(([name, age, email], i) => ({
    customId: `${kind}-${i}`,
    messages: [
      { role: 'system' as const, content: SYSTEM },
      { role: 'user' as const, content: `${name} is ${age} years old; write to ${email}` },
    ],
  }));
/** Prompt text: what must not be readable in history. */
const promptTexts = (kind: keyof typeof PEOPLE) => [SYSTEM, ...requestsOf(kind).map((r) => r.messages[1].content)];

/** Everything a history shows: its JSON, plus every base64 string in it decoded (payload data and metadata are base64). */
function readable(json: string): { text: string; bytes: Buffer[] } {
  const strings: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') strings.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(JSON.parse(json));
  const bytes = strings
    .filter((s) => s.length >= 4 && s.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(s))
    .map((s) => Buffer.from(s, 'base64'));
  return { text: [json, ...bytes.map((b) => b.toString('utf8'))].join('\n'), bytes: [Buffer.from(json), ...bytes] };
}

/** Every payload in a history that the codec did not encrypt, by where it sits. */
function plainPayloads(json: string): { path: string; encoding: string }[] {
  const found: { path: string; encoding: string }[] = [];
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) return v.forEach((x, i) => walk(x, `${path}[${i}]`));
    if (!v || typeof v !== 'object') return;
    const metadata = (v as { metadata?: Record<string, string> }).metadata;
    if (metadata && typeof metadata.encoding === 'string') {
      const encoding = Buffer.from(metadata.encoding, 'base64').toString();
      if (encoding !== ENCRYPTED_ENCODING) found.push({ path, encoding });
    }
    for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(JSON.parse(json), '');
  return found;
}

function assertKeyAbsent(json: string, what: string) {
  const { text, bytes } = readable(json);
  for (const form of [KEY_B64, KEY_B64.replace(/=+$/, ''), KEY_RAW.toString('hex'), Buffer.from(KEY_B64).toString('base64')]) {
    assert.equal(text.includes(form), false, `${what}: key material must not be in history`);
  }
  assert.equal(
    bytes.some((b) => b.includes(KEY_RAW)),
    false,
    `${what}: raw key bytes must not be in history`,
  );
}

const inlineInput = (jobId: string) => ({
  jobId,
  provider: 'openai',
  model: 'gpt-4o-mini',
  schemaName: 'User',
  requests: requestsOf('inline'),
  params: { maxTokens: 150 },
  maxAttempts: 1,
  retryOn: [],
  timing: { pollInitialMs: 100, pollMaxMs: 400, pollFactor: 1.5, heartbeatTimeoutMs: 2000 },
});

describe('payload encryption: nothing of a job is readable in Temporal history', () => {
  let cli: string;
  let codec: AesGcmCodec;
  before(async () => {
    cli = await findTemporalCli();
    codec = codecFromEnv()!;
    assert.ok(codec, 'the test key is in the environment');
  });
  after(() => {
    if (previousKeys === undefined) delete process.env[CODEC_KEYS_ENV];
    else process.env[CODEC_KEYS_ENV] = previousKeys;
  });

  // Not execFileSync: with --codec-endpoint the CLI calls the codec server in this process, whose event loop must run.
  const history = async (env: TestEnv, jobId: string, extra: string[] = []) =>
    (
      await promisify(execFile)(
        cli,
        ['workflow', 'show', '--workflow-id', jobId, '--address', env.server.address, '--output', 'json', ...extra],
        { maxBuffer: 1 << 26, timeout: 60_000 },
      )
    ).stdout;

  /** Runs the same two jobs (inline through the Temporal client, and through durabatch.start); returns their histories. */
  async function runJobs(env: TestEnv, prefix: string) {
    const inlineId = `${prefix}-inline`;
    const handle = await env.client.workflow.start('batchJobWorkflow', {
      taskQueue: env.taskQueue,
      workflowId: inlineId,
      args: [inlineInput(inlineId)],
    });
    const inlineJob = env.durabatch.getJob(handle.workflowId);
    const startedJob = await env.durabatch.start({
      jobId: `${prefix}-started`,
      provider: 'openai',
      model: 'gpt-4o-mini',
      schema: User,
      requests: requestsOf('started'),
      maxTokens: 150,
      timing: FAST_TIMING,
    });
    for (const [kind, job] of [
      ['inline', inlineJob],
      ['started', startedJob],
    ] as const) {
      const summary = await job.result();
      assert.equal(summary.phase, 'completed');
      assert.equal(summary.counts.succeeded, PEOPLE[kind].length);
      const results = await job.allResults();
      assert.deepEqual(
        results.map((r) => (r.ok ? r.data : r.error)),
        PEOPLE[kind].map(([name, age, email]) => ({ name, age, email })),
        `${kind}: results readable, with the emulator's answers`,
      );
      const status = await job.status();
      assert.equal(status.phase, 'completed', 'queries go through the codec too');
    }
    return { inline: await history(env, inlineId), started: await history(env, startedJob.jobId), inlineId };
  }

  it('with the codec on client and worker: no prompt, answer, model name or key in history; the job completes and its results read', async () => {
    const env = await startTestEnv({ dataConverter: { payloadCodecs: [codec] } });
    let codecServer: CodecServer | undefined;
    try {
      const { inline, started, inlineId } = await runJobs(env, 'enc');
      for (const [kind, json] of [
        ['inline', inline],
        ['started', started],
      ] as const) {
        const { text } = readable(json);
        assert.ok(text.includes(ENCRYPTED_ENCODING) && text.includes(KEY_ID), `${kind}: payloads are encrypted and name their key`);
        const forbidden = [
          ...promptTexts(kind),
          ...PEOPLE[kind].flatMap(([name, , email]) => [name, email]), // the answers
          'gpt-4o-mini',
          'maxTokens',
        ];
        for (const s of forbidden) assert.equal(text.includes(s), false, `${kind}: "${s}" must not be readable in history`);
        assertKeyAbsent(json, kind);
        // What stays plain: search attributes (phase, provider, item count, patch IDs) and the SDK's patch markers.
        const plain = plainPayloads(json).filter(
          (p) =>
            !/\.searchAttributes\.indexedFields\.\w+$|\.markerRecordedEventAttributes\.details\.patch-data\.payloads\[\d+\]$/.test(p.path),
        );
        assert.deepEqual(plain, [], `${kind}: every other payload is encrypted`);
      }

      // The codec server makes the same history readable to the CLI (and the Web UI).
      codecServer = await startCodecServer({ codec, port: 0 });
      const decoded = await history(env, inlineId, ['--codec-endpoint', codecServer.url]);
      const shown = readable(decoded).text;
      for (const s of promptTexts('inline')) assert.ok(shown.includes(s), `decoded through the codec server: "${s}"`);
      assert.equal(shown.includes(ENCRYPTED_ENCODING), false, 'every payload decoded');
      assertKeyAbsent(decoded, 'decoded history');
    } finally {
      await codecServer?.close();
      await env.close();
    }
  });

  it('without a codec (the key still in the environment): the key material never enters history', async () => {
    // `{}`: the SDK's own converter, explicitly, on the client and the worker (which would otherwise take the env's codec).
    const env = await startTestEnv({ dataConverter: {} });
    try {
      const { inline, started } = await runJobs(env, 'plain');
      // The detector sees plain payloads: the inline prompts are readable here.
      assert.ok(readable(inline).text.includes(promptTexts('inline')[1]), 'an inline job without codec shows its prompts');
      assert.equal(readable(inline).text.includes(ENCRYPTED_ENCODING), false);
      assertKeyAbsent(inline, 'inline');
      assertKeyAbsent(started, 'started');
    } finally {
      await env.close();
    }
  });
});
