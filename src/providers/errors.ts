import { DurabatchError } from '../errors';
/**
 * A batch that find-before-create adopted after a crash turned out to hold another submission's
 * requests. Its results must not be recorded; the chunk's items go to the next attempt instead.
 */
export class ForeignBatchError extends DurabatchError {
  override name = 'ForeignBatchError';
}
