/**
 * What durability costs: a 100,000-request job through durabatch next to a plain script doing the
 * same with the openai SDK alone (bench/lib/plain-child.ts), against the same emulator at the same
 * poll interval. Target: durabatch's wall time at most 1.2x the plain script's.
 *
 *   npm run bench -- vs-plain-script [--n 100000] [--rounds 2]
 *
 * durabatch: dev server + emulator + one worker; a fresh client process runs start (streaming the
 * requests into the store), result(), then streams every outcome. The plain script also runs in a
 * fresh process. Both time themselves from their first call to their last outcome, so process
 * start-up (tsx, SDK imports) counts for neither. The worker is a long-lived service, so it is
 * warmed up by a 3-request job first; the rounds alternate which side goes first, and the median
 * of each side is reported.
 */
import { figure, median, note, nowMs, option } from './lib/report';
import { message, POLL_MS, runClientChild, spawnChild, startStack, startWorkerChild, type Stack } from './lib/stack';

const n = option('n', 100_000);
const rounds = option('rounds', 2);

interface PlainReport {
  submitMs: number;
  wallMs: number;
  ok: number;
  failed: number;
  peakRssMb: number;
}

async function runPlain(stack: Stack): Promise<PlainReport> {
  const child = spawnChild('plain-child.ts', { ...stack.env, BENCH_N: String(n), BENCH_POLL_MS: String(POLL_MS) });
  return message<PlainReport>(child, 'done');
}

async function main(): Promise<void> {
  const t0 = nowMs();
  const stack = await startStack();
  try {
    const worker = await startWorkerChild(stack);
    try {
      await runClientChild(stack, { n: 3, jobId: 'bench-warmup' });
      const durabatch: number[] = [];
      const plain: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const sides = round % 2 ? (['plain', 'durabatch'] as const) : (['durabatch', 'plain'] as const);
        for (const side of sides) {
          if (side === 'durabatch') {
            const r = await runClientChild(stack, { n, jobId: `bench-vs-plain-${round}` });
            durabatch.push(r.wallMs);
            note(
              `vs-plain-script: durabatch ${(r.wallMs / 1000).toFixed(1)} s (start ${(r.startMs / 1000).toFixed(1)}, ` +
                `result ${(r.resultMs / 1000).toFixed(1)}, results ${(r.streamMs / 1000).toFixed(1)}); ${r.ok} ok, ${r.failed} failed`,
            );
          } else {
            const r = await runPlain(stack);
            plain.push(r.wallMs);
            note(
              `vs-plain-script: plain ${(r.wallMs / 1000).toFixed(1)} s (submitted after ${(r.submitMs / 1000).toFixed(1)}); ${r.ok} ok, ${r.failed} failed`,
            );
          }
        }
      }
      const d = median(durabatch) / 1000;
      const p = median(plain) / 1000;
      figure('vs_plain_script.requests', n, 'requests');
      figure('vs_plain_script.durabatch_wall', d, 's');
      figure('vs_plain_script.plain_wall', p, 's');
      figure('vs_plain_script.durabatch_vs_plain', d / p, 'ratio');
    } finally {
      await worker.stop();
    }
  } finally {
    await stack.close();
  }
  note(`vs-plain-script: ${((nowMs() - t0) / 1000).toFixed(0)} s in all`);
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
