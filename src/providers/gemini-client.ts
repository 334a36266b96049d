/**
 * The official GoogleGenAI client plus two raw calls made through its own ApiClient (so they carry
 * the same API-key header, base URL, retry options and error handling as every SDK call):
 *
 * - `rawBatch`: SDK 2.32's `batches.get` converts the Operation with batchJobFromMldev, which drops
 *   `metadata.batchStats` (the request counts) and the top-level `error` (why a batch failed).
 * - `download`: `files.download` can only write to a path on disk; batch results must never touch
 *   disk, so the same `files/<id>:download?alt=media` request is made and its body streamed.
 */
import { GoogleGenAI } from './gemini-sdk';

/** The parts of the raw batch Operation the SDK does not hand over. */
export interface RawBatchOperation {
  name?: string;
  metadata?: {
    state?: string;
    displayName?: string;
    createTime?: string;
    batchStats?: {
      requestCount?: string | number;
      successfulRequestCount?: string | number;
      failedRequestCount?: string | number;
      pendingRequestCount?: string | number;
    };
  };
  done?: boolean;
  error?: { code?: number; message?: string };
}

export class GeminiClient extends GoogleGenAI {
  /** GET batches/<id> exactly as the API answers it. */
  async rawBatch(name: string, signal?: AbortSignal): Promise<RawBatchOperation> {
    const response = await this.apiClient.request({ path: name, httpMethod: 'GET', ...(signal && { abortSignal: signal }) });
    return (await response.json()) as RawBatchOperation;
  }

  /** The bytes of a generated file (`files/<id>`), as a stream. */
  async download(fileName: string, signal?: AbortSignal): Promise<ReadableStream<Uint8Array>> {
    const response = await this.apiClient.request({
      path: `${fileName}:download`,
      httpMethod: 'GET',
      queryParams: { alt: 'media' },
      ...(signal && { abortSignal: signal }),
    });
    const body = response.responseInternal.body;
    if (!body) throw new Error(`Gemini returned no body for ${fileName}`);
    return body;
  }
}
