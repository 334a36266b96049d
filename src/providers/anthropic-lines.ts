/**
 * An Anthropic batch's results file, read a batch per read of the download. The SDK's
 * `messages.batches.results()` JSON-parses every line itself and its stream dies on the first
 * broken one, so one bad line would fail the whole fetch (retried until the deadline). This makes
 * the same two calls through the SDK's own client (key, base URL, version header, retries and
 * errors unchanged) and leaves each line's reading to anthropic-results.ts (through
 * parsedResults): a line too broken to name its item is dropped there, after `onLine`; it can
 * neither prove nor disprove whose batch this is.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { AnthropicError } from '@anthropic-ai/sdk';
import { parsedResults } from './parsed-results';
import type { RawItemResult } from './types';

export async function* resultBatches(
  client: Anthropic,
  batchId: string,
  signal?: AbortSignal,
  onLine?: () => void,
): AsyncIterable<RawItemResult[]> {
  const batch = await client.messages.batches.retrieve(batchId, {}, { signal });
  if (!batch.results_url) {
    throw new AnthropicError(`Anthropic batch ${batchId} has no results_url (${batch.processing_status}); has it finished processing?`);
  }
  // asResponse(): the body as it came, unparsed; a non-2xx answer still throws the SDK's APIError.
  const response = await client.get(batch.results_url, { headers: { Accept: 'application/binary' }, signal }).asResponse();
  if (!response.body) throw new AnthropicError(`Anthropic returned no body for the results of batch ${batchId}`);
  yield* parsedResults(response.body, 'anthropic', onLine);
}
