import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CostEstimator,
  CostLimitError,
  DEFAULT_PRICES,
  PriceFileError,
  costOfUsage,
  estimateJobCost,
  findPrice,
  formatUsd,
  loadPrices,
  mergePrices,
  parsePriceOverrides,
  textTokens,
  withCostLimit,
} from '../../src/cost';
import { EXAMPLE_MODELS } from '../../src/examples';
import { PROVIDERS, type ChatMessage, type PreparedRequest } from '../../src/types';
import type { StreamingChecker } from '../../src/write-requests';

/** Float sums of prices: equal to a millionth of a cent. */
function near(actual: unknown, expected: number): void {
  assert.equal(typeof actual, 'number', `a number, got ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) < 1e-8, `${actual} ≈ ${expected}`);
}

describe('price table', () => {
  it('prices every example model, at batch prices (half the list price)', () => {
    for (const provider of PROVIDERS)
      assert.ok(findPrice(DEFAULT_PRICES, provider, EXAMPLE_MODELS[provider]), `${provider} ${EXAMPLE_MODELS[provider]}`);
    assert.deepEqual(findPrice(DEFAULT_PRICES, 'openai', 'gpt-4o-mini'), {
      entry: 'gpt-4o-mini',
      exact: true,
      price: { inputPerMTok: 0.075, outputPerMTok: 0.3 },
    });
    assert.deepEqual(findPrice(DEFAULT_PRICES, 'anthropic', 'claude-haiku-4-5')?.price, { inputPerMTok: 0.5, outputPerMTok: 2.5 });
    assert.deepEqual(findPrice(DEFAULT_PRICES, 'gemini', 'gemini-2.5-flash')?.price, { inputPerMTok: 0.15, outputPerMTok: 1.25 });
  });

  it('matches the exact name first, then the longest whole-part prefix', () => {
    const entry = (provider: 'openai' | 'anthropic' | 'gemini', model: string) => findPrice(DEFAULT_PRICES, provider, model)?.entry;
    assert.equal(entry('openai', 'gpt-4o-2024-08-06'), 'gpt-4o');
    assert.equal(findPrice(DEFAULT_PRICES, 'openai', 'gpt-4o-2024-08-06')?.exact, false);
    assert.equal(entry('openai', 'gpt-4o-mini-2024-07-18'), 'gpt-4o-mini', 'the longer prefix wins');
    assert.equal(entry('openai', 'gpt-4o-2024-05-13'), 'gpt-4o-2024-05-13', 'an exact entry beats a prefix');
    assert.equal(entry('openai', 'gpt-5-mini-2025-08-07'), 'gpt-5-mini');
    assert.equal(entry('openai', 'o3-pro-2025-06-10'), 'o3-pro');
    assert.equal(entry('anthropic', 'claude-sonnet-4-5-20250929'), 'claude-sonnet-4-5');
    assert.equal(entry('anthropic', 'claude-opus-4-20250514'), 'claude-opus-4');
    assert.equal(entry('gemini', 'gemini-2.5-flash-lite-preview-09-2025'), 'gemini-2.5-flash-lite');
    assert.equal(entry('gemini', 'models/gemini-2.5-pro'), 'gemini-2.5-pro', "Gemini's models/ prefix");
    assert.equal(entry('openai', 'GPT-4o-Mini'), 'gpt-4o-mini', 'case-insensitive');
  });

  it('does not price a model by a prefix that stops inside a name part, nor across providers', () => {
    assert.equal(findPrice(DEFAULT_PRICES, 'openai', 'gpt-4'), undefined);
    assert.equal(findPrice(DEFAULT_PRICES, 'openai', 'gpt-4oo'), undefined);
    assert.equal(findPrice(DEFAULT_PRICES, 'openai', 'gpt-5.9'), undefined, '`gpt-5` is not a prefix of `gpt-5.9`');
    assert.equal(findPrice(DEFAULT_PRICES, 'openai', 'claude-haiku-4-5'), undefined);
    assert.equal(findPrice(DEFAULT_PRICES, 'anthropic', 'made-up-model'), undefined);
  });
});

describe('price file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'durabatch-prices-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, content: unknown): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('merges over the built-in table, model by model', async () => {
    const path = await file('ok.json', {
      note: 'our negotiated prices',
      openai: { 'gpt-4o-mini': { inputPerMTok: 0.05, outputPerMTok: 0.2 }, 'acme-1': { inputPerMTok: 1, outputPerMTok: 2 } },
    });
    const prices = await loadPrices(path, {});
    assert.deepEqual(prices.openai['gpt-4o-mini'], { inputPerMTok: 0.05, outputPerMTok: 0.2 });
    assert.deepEqual(findPrice(prices, 'openai', 'acme-1-2026-01-01')?.entry, 'acme-1', 'new entries match by prefix too');
    assert.deepEqual(prices.openai['gpt-4o'], DEFAULT_PRICES.openai['gpt-4o'], 'the rest stays');
    assert.deepEqual(prices.anthropic, DEFAULT_PRICES.anthropic);
    assert.deepEqual(
      DEFAULT_PRICES.openai['gpt-4o-mini'],
      { inputPerMTok: 0.075, outputPerMTok: 0.3 },
      'the built-in table is not changed',
    );
  });

  it('is found through DURABATCH_PRICES when no source is given; an object source is checked the same way', async () => {
    const path = await file('env.json', { gemini: { 'gemini-x': { inputPerMTok: 3, outputPerMTok: 4 } } });
    assert.ok((await loadPrices(undefined, { DURABATCH_PRICES: path })).gemini['gemini-x']);
    assert.equal((await loadPrices(undefined, {})).gemini['gemini-x'], undefined);
    assert.deepEqual(await loadPrices(undefined, {}), mergePrices(DEFAULT_PRICES, {}));
    assert.throws(
      () => parsePriceOverrides({ openai: { m: { inputPerMTok: 'cheap', outputPerMTok: 1 } } }),
      /prices is not a valid price file:\n {2}- openai\.m\.inputPerMTok: .*number/,
    );
  });

  it('refuses a bad file with a message naming the file and each problem', async () => {
    const bad = await file('bad.json', {
      'open-ai': {},
      anthropic: { 'claude-x': { inputPerMTok: -1, outputPerMTok: 5 }, 'claude-y': { inputPerMTok: 1 } },
    });
    await assert.rejects(loadPrices(bad, {}), (err: unknown) => {
      assert.ok(err instanceof PriceFileError);
      assert.equal(err.path, bad);
      assert.match(err.message, new RegExp(`price file ${bad} is not a valid price file`));
      assert.match(err.message, /anthropic\.claude-x\.inputPerMTok: .*>=0/);
      assert.match(err.message, /anthropic\.claude-y\.outputPerMTok: /);
      assert.match(err.message, /open-ai/);
      assert.match(err.message, /"inputPerMTok": USD, "outputPerMTok": USD/);
      return true;
    });
    await assert.rejects(loadPrices(await file('not.json', '{ "openai": '), {}), /price file .*not\.json is not JSON/);
    await assert.rejects(loadPrices(join(dir, 'missing.json'), {}), /cannot read price file .*missing\.json/);
  });
});

describe('estimates', () => {
  // 8 + (4 + 30/3) + (4 + 60/3) = 46 tokens; 8 + 4 + (ceil(3/3) + 5 non-ASCII) = 18 tokens.
  const REQUESTS = [
    {
      customId: 'a',
      messages: [
        { role: 'system', content: 'x'.repeat(30) },
        { role: 'user', content: 'y'.repeat(60) },
      ] as ChatMessage[],
    },
    [{ role: 'user', content: 'ééééé' + 'abc' }] as ChatMessage[],
  ];

  it('counts tokens by the documented heuristic', () => {
    assert.equal(textTokens(''), 0);
    assert.equal(textTokens('abcd'), 2, 'ceil(4 / 3)');
    assert.equal(textTokens('日本語'), 3);
    assert.equal(textTokens('😀'), 1, 'a surrogate pair is one character');
  });

  it('estimates prompt tokens, the output limit and the USD bound of a fixed list', async () => {
    const e = await estimateJobCost(REQUESTS, { provider: 'openai', model: 'gpt-4o-mini', maxTokens: 100 });
    assert.equal(e.requests, 2);
    assert.equal(e.inputTokens, 64);
    assert.equal(e.maxTokensPerRequest, 100);
    assert.equal(e.maxOutputTokens, 200);
    assert.equal(e.priced, true);
    near(e.inputUsd, (64 * 0.075) / 1e6);
    near(e.usd, (64 * 0.075 + 200 * 0.3) / 1e6);
  });

  it('counts the schema once per request, and reads async iterables', async () => {
    async function* stream() {
      yield* REQUESTS;
    }
    // '{"type":"object"}' is 17 characters: 6 tokens, per request.
    const e = await estimateJobCost(stream(), { provider: 'openai', model: 'gpt-4o-mini', maxTokens: 100, jsonSchema: { type: 'object' } });
    assert.equal(e.inputTokens, 64 + 2 * 6);
  });

  it("uses Anthropic's default max_tokens, and has no bound without maxTokens elsewhere", async () => {
    const anthropic = await estimateJobCost(REQUESTS, { provider: 'anthropic', model: 'claude-haiku-4-5' });
    assert.equal(anthropic.maxOutputTokens, 2 * 1024);
    near(anthropic.usd, (64 * 0.5 + 2048 * 2.5) / 1e6);
    const openai = await estimateJobCost(REQUESTS, { provider: 'openai', model: 'gpt-4o-mini' });
    assert.equal(openai.maxOutputTokens, 'unbounded');
    assert.equal(openai.usd, 'unknown');
    near(openai.inputUsd, (64 * 0.075) / 1e6);
  });

  it('says "unknown", never 0, for a model without a price', async () => {
    const e = await estimateJobCost(REQUESTS, { provider: 'gemini', model: 'gemini-99-ultra', maxTokens: 10 });
    assert.equal(e.priced, false);
    assert.equal(e.price, undefined);
    assert.equal(e.usd, 'unknown');
    assert.equal(e.inputUsd, 'unknown');
    assert.equal(e.inputTokens, 64, 'tokens are still estimated');
  });

  it('prices reported usage', () => {
    near(costOfUsage({ inputTokens: 1_000_000, outputTokens: 1_000_000 }, 'openai', 'gpt-4o-mini'), 0.375);
    near(costOfUsage({ inputTokens: 2000, outputTokens: 400 }, 'anthropic', 'claude-sonnet-4-5-20250929'), (2000 * 1.5 + 400 * 7.5) / 1e6);
    assert.equal(costOfUsage({ inputTokens: 0, outputTokens: 0 }, 'openai', 'gpt-4o'), 0);
    assert.equal(costOfUsage({ inputTokens: 10, outputTokens: 10 }, 'openai', 'acme-1'), 'unknown');
    const prices = mergePrices(DEFAULT_PRICES, { openai: { 'acme-1': { inputPerMTok: 1, outputPerMTok: 2 } } });
    near(costOfUsage({ inputTokens: 10, outputTokens: 10 }, 'openai', 'acme-1', prices), 30 / 1e6);
  });

  it('formats USD for people', () => {
    assert.equal(formatUsd('unknown'), 'unknown');
    assert.equal(formatUsd(0), '$0');
    assert.equal(formatUsd(12.345), '$12.35');
    assert.equal(formatUsd(0.5), '$0.50');
    assert.equal(formatUsd(0.01234), '$0.012');
    assert.equal(formatUsd(1.2e-7), '$0.00000012');
  });
});

describe('the spending limit on the request stream', () => {
  /** A checker that takes every request as it is, or finds a problem in the ones named "bad". */
  function fakeChecker(): StreamingChecker {
    const problems: string[] = [];
    return {
      add(input) {
        const r = input as PreparedRequest;
        if (r.customId === 'bad') problems.push('request "bad": no good');
        return r.customId === 'bad' ? undefined : r;
      },
      get ok() {
        return problems.length === 0;
      },
      finish: () => problems,
    };
  }
  const req = (customId: string): PreparedRequest => ({ customId, messages: [{ role: 'user', content: 'z'.repeat(300) }] }); // 112 tokens
  const estimator = (model = 'gpt-4o-mini', maxTokens: number | 'none' = 1000) =>
    new CostEstimator({ provider: 'openai', model, ...(maxTokens !== 'none' && { maxTokens }) });

  it('turns `ok` false once the bound passes the limit, and refuses at the end', () => {
    // Each request: (112 × 0.075 + 1000 × 0.3) / 1e6 ≈ $0.0003084; the limit lets 3 through.
    const checker = withCostLimit(fakeChecker(), estimator(), 0.001, 'job-1');
    for (let i = 0; i < 3; i++) {
      checker.add(req(`r${i}`));
      assert.equal(checker.ok, true, `still under after ${i + 1}`);
    }
    checker.add(req('r3'));
    assert.equal(checker.ok, false, 'over after 4: nothing more is written');
    assert.throws(
      () => checker.finish(),
      (err: unknown) => {
        assert.ok(err instanceof CostLimitError);
        assert.equal(err.reason, 'over-limit');
        assert.equal(err.limitUsd, 0.001);
        assert.equal(err.estimate.requests, 4);
        assert.equal(err.estimate.inputTokens, 4 * 112);
        assert.match(
          err.message,
          /job job-1 may cost up to \$0\.0012, over maxCostUsd \$0\.0010: 4 requests, ~448 input tokens \(estimated\) and up to 4,000 output tokens \(maxTokens 1000 each\)/,
        );
        assert.match(err.message, /nothing was started/);
        return true;
      },
    );
  });

  it('lets a job under the limit through', () => {
    const checker = withCostLimit(fakeChecker(), estimator(), 1, 'job-2');
    checker.add(req('a'));
    assert.equal(checker.ok, true);
    assert.deepEqual(checker.finish(), []);
  });

  it('lists problems with the input first, whatever the cost', () => {
    const checker = withCostLimit(fakeChecker(), estimator(), 0.000001, 'job-3');
    checker.add(req('a'));
    checker.add(req('bad'));
    assert.deepEqual(checker.finish(), ['request "bad": no good']);
  });

  it('refuses at once a model without a price, or output without a limit', () => {
    const unpriced = withCostLimit(fakeChecker(), estimator('acme-1'), 100, 'job-4');
    assert.equal(unpriced.ok, false, 'nothing is ever written');
    unpriced.add(req('a'));
    assert.throws(
      () => unpriced.finish(),
      (err: unknown) => {
        assert.ok(err instanceof CostLimitError);
        assert.equal(err.reason, 'unpriced-model');
        assert.match(
          err.message,
          /no price for openai model "acme-1" in the price table.*supply a price file \(DURABATCH_PRICES=prices\.json/,
        );
        assert.match(err.message, /\{"openai": \{"acme-1": \{"inputPerMTok": USD, "outputPerMTok": USD\}\}\}/);
        return true;
      },
    );
    const unbounded = withCostLimit(fakeChecker(), estimator('gpt-4o-mini', 'none'), 100, 'job-5');
    assert.equal(unbounded.ok, false);
    assert.throws(() => unbounded.finish(), /job job-5: without maxTokens, openai puts no limit on a request's output.*set maxTokens/);
  });
});
