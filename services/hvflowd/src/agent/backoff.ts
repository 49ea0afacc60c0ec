/** Delays between attempts to reach northd. */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** 200 ms, doubling, up to 10 s. */
export const defaultBackoff: BackoffPolicy = Object.freeze({
  initialDelayMs: 200,
  maxDelayMs: 10_000,
});

/**
 * The delay before retry `attempt` (0 for the first): capped exponential backoff with "equal
 * jitter", a uniform draw from [ceiling / 2, ceiling] where ceiling = min(maxDelayMs,
 * initialDelayMs * 2^attempt). Half the ceiling is kept so delays really grow while northd is
 * down; the jittered half keeps a fleet that lost northd at once from coming back in waves.
 */
export function retryDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceilingMs = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(ceilingMs / 2 + (random() * ceilingMs) / 2);
}

/** The longest wait a server's pushback is followed for; a larger one is taken as this. */
export const maxPushbackMs = 600_000;

/**
 * The delay before retrying a call that northd refused with a retry time (`hintMs`, from its
 * `grpc-retry-pushback-ms`): never earlier than it said, plus up to a quarter more at random, so
 * chassis told the same time do not return together; never under half the policy's first
 * delay, so a pushback of 0 cannot make a tight loop.
 */
export function pushbackDelayMs(
  hintMs: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const baseMs = Math.min(maxPushbackMs, Math.max(hintMs, policy.initialDelayMs / 2));
  return Math.floor(baseMs * (1 + random() / 4));
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
