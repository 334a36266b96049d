/**
 * JSONL build throughput: durabatch's spliced input lines against plain `JSON.stringify` of the
 * same line objects, for OpenAI and Gemini. The shared part of every line (model, parameters, the
 * strict schema) dominates its size, so durabatch serialises it once per chunk and splices it in;
 * this measures whether that is worth its extra code (target: splice at least 1.5x stringify).
 *
 *   npm run bench -- jsonl-build [--n 50000] [--rounds 9]
 *
 * One round = one chunk of N requests built into one JSONL string, as submitChunk does. Each round
 * gets a fresh chunk shape, so the once-per-chunk work (strict schema, serialised shared body) is
 * paid inside every round, for both ways: the comparison is per chunk, not per warmed cache.
 */
import { OPENAI_ENDPOINT, inputLine, sharedBody, type ChunkShape } from '../src/providers/openai-lines';
import { generationConfig, inputLine as geminiLine, toWireRequest } from '../src/providers/gemini-request';
import { toCanonicalJsonSchema } from '../src/schema';
import type { PreparedRequest } from '../src/types';
import { figure, MB, median, note, nowMs, option } from './lib/report';
import { makeRequests, MODEL, PARAMS, User } from './lib/requests';

const n = option('n', 50_000);
const rounds = option('rounds', 9);
const WARMUP = 3;

const requests = makeRequests(n);
const jsonSchema = toCanonicalJsonSchema(User, 'User');
const freshShape = (model: string): ChunkShape => ({ jobId: 'bench', model, params: PARAMS, output: { name: 'User', jsonSchema } });

type Build = () => string;

const openai: Record<'splice' | 'stringify', Build> = {
  splice() {
    const body = sharedBody(freshShape(MODEL));
    return requests.map((r) => inputLine(r, body)).join('');
  },
  // What a plain script writes: the whole line object, stringified per line.
  stringify() {
    const body = sharedBody(freshShape(MODEL));
    return requests
      .map(
        (r) =>
          JSON.stringify({ custom_id: r.customId, method: 'POST', url: OPENAI_ENDPOINT, body: { ...body, messages: r.messages } }) + '\n',
      )
      .join('');
  },
};

const gemini: Record<'splice' | 'stringify', Build> = {
  splice() {
    const config = generationConfig(freshShape('gemini-2.5-flash'));
    return requests.map((r: PreparedRequest) => geminiLine(r, config)).join('');
  },
  stringify() {
    const config = generationConfig(freshShape('gemini-2.5-flash'));
    return requests.map((r) => JSON.stringify({ key: r.customId, request: toWireRequest(r, config) }) + '\n').join('');
  },
};

/** MB/s of each way, median of `rounds`; the two ways alternate so drift (GC, CPU clock) hits both alike. */
function compare(provider: string, ways: Record<'splice' | 'stringify', Build>): void {
  // The two must build the very same bytes, or the comparison means nothing.
  const a = ways.splice();
  const b = ways.stringify();
  if (a !== b) throw new Error(`${provider}: spliced and stringified JSONL differ`);
  const bytes = Buffer.byteLength(a);
  for (let i = 0; i < WARMUP; i++) for (const build of Object.values(ways)) build();

  const times: Record<'splice' | 'stringify', number[]> = { splice: [], stringify: [] };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 ? (['stringify', 'splice'] as const) : (['splice', 'stringify'] as const);
    for (const way of order) {
      global.gc?.();
      const t0 = nowMs();
      ways[way]();
      times[way].push(nowMs() - t0);
    }
  }
  const mbps = (ms: number) => bytes / MB / (ms / 1000);
  const splice = mbps(median(times.splice));
  const stringify = mbps(median(times.stringify));
  note(
    `${provider}: ${n.toLocaleString('en')} lines, ${(bytes / MB).toFixed(1)} MB per chunk; median of ${rounds}: ` +
      `splice ${median(times.splice).toFixed(0)} ms, stringify ${median(times.stringify).toFixed(0)} ms`,
  );
  figure(`jsonl_build.${provider}.splice`, splice, 'MB/s');
  figure(`jsonl_build.${provider}.stringify`, stringify, 'MB/s');
  figure(`jsonl_build.${provider}.splice_vs_stringify`, splice / stringify, 'ratio');
}

compare('openai', openai);
compare('gemini', gemini);
