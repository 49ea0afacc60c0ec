import type { BackoffPolicy } from '@vpcd/backoff';

export type { BackoffPolicy };

/** How long the agent waits between attempts to reach northd: 200 ms, doubling, up to 10 s. */
export const defaultBackoff: BackoffPolicy = Object.freeze({
  initialDelayMs: 200,
  maxDelayMs: 10_000,
});
