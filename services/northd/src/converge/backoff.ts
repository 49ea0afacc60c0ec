/**
 * When to retry converge work that failed or went unacknowledged: capped exponential backoff
 * with full jitter, so a fleet of failed chassis does not retry in lockstep.
 */
export function retryDelayMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.max(initialMs, Math.floor(random() * ceiling));
}
