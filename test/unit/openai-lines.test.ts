import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inputLine, parseOutputLine, readOutputLine, sharedBody } from '../../src/providers/openai-lines';
import { generationConfig, inputLine as geminiLine, toWireRequest } from '../../src/providers/gemini-request';
import { toCanonicalJsonSchema } from '../../src/schema';
import type { PreparedRequest } from '../../src/types';
import { User } from '../helpers/schemas';

/** IDs and texts that JSON must escape: quotes, backslashes, newlines, control and non-BMP characters. */
const TRICKY_REQUESTS: PreparedRequest[] = [
  { customId: 'plain', messages: [{ role: 'user', content: 'hi' }] },
  {
    customId: 'q"u\\o\nte',
    messages: [
      { role: 'system', content: 'Be "exact".\n\tTabs\u0001' },
      { role: 'user', content: 'naïve — 日本 😀' },
    ],
  },
  {
    customId: 'turns',
    messages: [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'system', content: 's2' },
      { role: 'user', content: 'c' },
    ],
  },
];

describe('OpenAI batch lines', () => {
  it('builds a chat-completions line with a strict json_schema response format', () => {
    const body = sharedBody({
      jobId: 'j',
      model: 'gpt-4o-mini',
      params: { maxTokens: 150, temperature: 0.1 },
      output: { name: 'User', jsonSchema: toCanonicalJsonSchema(User) },
    });
    const line = JSON.parse(inputLine({ customId: 'c1', messages: [{ role: 'user', content: 'hi' }] }, body));
    assert.equal(line.custom_id, 'c1');
    assert.equal(line.method, 'POST');
    assert.equal(line.url, '/v1/chat/completions');
    assert.equal(line.body.max_completion_tokens, 150);
    assert.equal(line.body.response_format.json_schema.strict, true);
    assert.equal(line.body.response_format.json_schema.name, 'User');
    assert.deepEqual(line.body.messages, [{ role: 'user', content: 'hi' }]);
  });

  it('splices the shared body: the very bytes JSON.stringify of the whole line gives', () => {
    const body = sharedBody({
      jobId: 'j',
      model: 'gpt-4o-mini',
      params: { maxTokens: 150, temperature: 0.1 },
      output: { name: 'User', jsonSchema: toCanonicalJsonSchema(User) },
    });
    for (const request of TRICKY_REQUESTS) {
      const whole =
        JSON.stringify({
          custom_id: request.customId,
          method: 'POST',
          url: '/v1/chat/completions',
          body: { ...body, messages: request.messages },
        }) + '\n';
      assert.equal(inputLine(request, body), whole);
    }
  });

  it('splices Gemini file lines the same way', () => {
    const config = generationConfig({
      jobId: 'j',
      model: 'gemini-2.5-flash',
      params: { maxTokens: 150 },
      output: { name: 'User', jsonSchema: toCanonicalJsonSchema(User) },
    });
    for (const request of TRICKY_REQUESTS) {
      assert.equal(geminiLine(request, config), JSON.stringify({ key: request.customId, request: toWireRequest(request, config) }) + '\n');
    }
  });

  it("a line that is not JSON becomes its own item's invalid_json result, not a failed fetch", () => {
    const broken = readOutputLine('{"id":"batch_req_9","custom_id":"item-\\"7\\"","response":{"status_code":200,"body":{"choi');
    assert.deepEqual(broken && [broken.customId, broken.kind, broken.kind === 'error' && broken.errorType], [
      'item-"7"',
      'error',
      'invalid_json',
    ]);
    assert.equal(readOutputLine('garbage without any id'), undefined);
  });

  it('reads output and both kinds of error-file lines', () => {
    const ok = parseOutputLine(
      JSON.stringify({
        id: 'batch_req_1',
        custom_id: 'a',
        error: null,
        response: {
          status_code: 200,
          body: { choices: [{ message: { content: '{}' }, finish_reason: 'length' }], usage: { prompt_tokens: 5, completion_tokens: 7 } },
        },
      }),
    );
    assert.deepEqual(ok, {
      customId: 'a',
      kind: 'message',
      text: '{}',
      finishReason: 'length',
      usage: { inputTokens: 5, outputTokens: 7 },
    });
    const refusal = parseOutputLine(
      JSON.stringify({
        custom_id: 'r',
        error: null,
        response: { status_code: 200, body: { choices: [{ message: { content: null, refusal: 'no' }, finish_reason: 'stop' }] } },
      }),
    );
    assert.equal(refusal.kind === 'message' && refusal.finishReason, 'refusal');
    const http = parseOutputLine(
      JSON.stringify({
        custom_id: 'b',
        error: null,
        response: { status_code: 400, body: { error: { message: 'bad', type: 'invalid_request_error' } } },
      }),
    );
    assert.deepEqual(http, {
      customId: 'b',
      kind: 'error',
      errorType: 'provider_error',
      message: 'HTTP 400 invalid_request_error: bad',
      retryable: false,
    });
    const expired = parseOutputLine(
      '{"id":"batch_req_123","custom_id":"request-3","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}',
    );
    assert.equal(expired.kind === 'error' && expired.errorType, 'expired');
    const cancelled = parseOutputLine(JSON.stringify({ custom_id: 'c', response: null, error: { code: 'batch_cancelled', message: 'x' } }));
    assert.deepEqual(cancelled.kind === 'error' && [cancelled.errorType, cancelled.retryable], ['cancelled', false]);
  });
});
