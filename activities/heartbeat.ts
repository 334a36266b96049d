import { Context } from '@temporalio/activity';

/**
 * Heartbeats while `work` runs, so a killed worker is noticed after the heartbeat timeout
 * instead of the (long) start-to-close timeout, and the activity is retried elsewhere.
 */
export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const ctx = Context.current();
  const everyMs = Math.max(100, Math.floor((ctx.info.heartbeatTimeoutMs ?? 60_000) / 3));
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
