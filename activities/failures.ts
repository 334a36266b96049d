import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { MissingApiKeyError } from '../src/providers';
import { SchemaConversionError } from '../src/schema';
import { InvalidJobError } from '../src/validate-job';

/**
 * Errors that retrying cannot fix become non-retryable failures with the person-readable message.
 * Given the activity's cancellation signal, an error after it fired (each SDK throws its own abort
 * error) is reported as the cancel it is, not as a provider failure.
 */
export function asActivityFailure(err: unknown, cancelled?: AbortSignal): unknown {
  if (cancelled?.aborted) {
    if (err instanceof CancelledFailure) return err;
    // Temporal aborts the signal with a CancelledFailure saying why (CANCELLED, TIMED_OUT, ...).
    return cancelled.reason instanceof CancelledFailure
      ? cancelled.reason
      : new CancelledFailure(`the activity was cancelled: ${String(cancelled.reason)}`);
  }
  if (err instanceof InvalidJobError || err instanceof SchemaConversionError) {
    return ApplicationFailure.nonRetryable(err.message, 'InvalidJob', { problems: (err as InvalidJobError).problems });
  }
  if (err instanceof MissingApiKeyError) return ApplicationFailure.nonRetryable(err.message, 'MissingApiKey');
  // A rejected key may be fixed (re-enabled, rotated and the worker restarted): the activity is retried,
  // with backoff and within the job's retry deadline, and status shows why it waits. Paid work stays readable.
  const status = (err as { status?: unknown } | null)?.status;
  if (status === 401 || status === 403) {
    return ApplicationFailure.retryable(`the provider rejected the API key (HTTP ${status}): ${(err as Error).message}`, 'ProviderAuth');
  }
  // The request itself is wrong (an unknown model, a malformed body): the same call fails the same way.
  if (status === 400 || status === 404 || status === 422) {
    return ApplicationFailure.nonRetryable(
      `the provider rejected the request (HTTP ${status}): ${(err as Error).message}`,
      'ProviderRejected',
    );
  }
  return err;
}
