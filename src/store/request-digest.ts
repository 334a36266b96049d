import { createHash } from 'node:crypto';
import type { StoredRequest } from './types';

/**
 * Count, bytes and sha256 of a job's requests in order, over one canonical line per request
 * (`[customId, messages]`). The digest names the request set: the same requests written twice are
 * one set, and the workflow's reference to them says exactly which requests it runs.
 */
export class RequestDigest {
  private readonly hash = createHash('sha256');
  private count = 0;
  private bytes = 0;

  add(request: Pick<StoredRequest, 'customId' | 'messages'>): void {
    const line = JSON.stringify([request.customId, request.messages]) + '\n';
    this.hash.update(line);
    this.count += 1;
    this.bytes += Buffer.byteLength(line);
  }

  summary(): { count: number; bytes: number; digest: string } {
    return { count: this.count, bytes: this.bytes, digest: this.hash.copy().digest('hex') };
  }
}
