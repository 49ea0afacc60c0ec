/** Delays between reconnect attempts. */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first retry): "full jitter", a uniform
 * draw from [0, min(maxDelayMs, initialDelayMs * 2^attempt)]. Spreading the whole range, rather
 * than jittering around the exponential value, keeps a fleet of clients that lost the same broker
 * from reconnecting in waves (the AWS architecture blog's "Exponential Backoff And Jitter").
 */
export function reconnectDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceilingMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceilingMs);
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
