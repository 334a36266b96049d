/**
 * The job without durabatch or Temporal, as a user would write it with the openai SDK alone: build
 * each 50,000-request JSONL with JSON.stringify per line, upload it, create the batches, poll them at
 * a fixed interval until they end, download the output (and error) files, parse every line and
 * validate every answer with zod. Configured by EMULATOR_URL, BENCH_N, BENCH_POLL_MS; reports its
 * wall time and counts over IPC.
 */
import OpenAI, { toFile } from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { nowMs, RssSampler, vmHwmMb } from './report';
import { MODEL, PARAMS, requestFor, User } from './requests';

const PER_BATCH = 50_000;
const TERMINAL = ['completed', 'failed', 'expired', 'cancelled'];

async function main(): Promise<void> {
  const rss = new RssSampler(200);
  const n = Number(process.env.BENCH_N);
  const pollMs = Number(process.env.BENCH_POLL_MS);
  const client = new OpenAI({ apiKey: 'emulator', baseURL: `${process.env.EMULATOR_URL}/v1` });
  const t0 = nowMs();
  const responseFormat = zodResponseFormat(User, 'User');

  const open: string[] = [];
  for (let from = 0; from < n; from += PER_BATCH) {
    const lines: string[] = [];
    for (let i = from; i < Math.min(n, from + PER_BATCH); i++) {
      const r = requestFor(i);
      const body = {
        model: MODEL,
        max_completion_tokens: PARAMS.maxTokens,
        temperature: PARAMS.temperature,
        response_format: responseFormat,
        messages: r.messages,
      };
      lines.push(JSON.stringify({ custom_id: r.customId, method: 'POST', url: '/v1/chat/completions', body }));
    }
    const file = await client.files.create({
      file: await toFile(Buffer.from(lines.join('\n') + '\n'), `batch-${from}.jsonl`),
      purpose: 'batch',
    });
    const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    open.push(batch.id);
  }
  const t1 = nowMs();

  let ok = 0;
  let failed = 0;
  while (open.length) {
    await new Promise((r) => setTimeout(r, pollMs));
    const batches = await Promise.all(open.map((id) => client.batches.retrieve(id)));
    for (const batch of batches) {
      if (!TERMINAL.includes(batch.status)) continue;
      open.splice(open.indexOf(batch.id), 1);
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        const text = await (await client.files.content(fileId)).text();
        for (const line of text.split('\n')) {
          if (!line) continue;
          const out = JSON.parse(line);
          const content = out.response?.status_code === 200 ? out.response.body.choices[0]?.message?.content : undefined;
          let valid: boolean;
          try {
            valid = typeof content === 'string' && User.safeParse(JSON.parse(content)).success;
          } catch {
            valid = false;
          }
          if (valid) ok += 1;
          else failed += 1;
        }
      }
    }
  }
  const t2 = nowMs();
  const sampledRssMb = rss.stop();
  await new Promise<void>((resolve) =>
    process.send!(
      { type: 'done', submitMs: t1 - t0, wallMs: t2 - t0, ok, failed, sampledRssMb, peakRssMb: Math.max(sampledRssMb, vmHwmMb() ?? 0) },
      () => resolve(),
    ),
  );
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
