/** Capped exponential delays: `initialDelayMs`, doubling with each attempt, up to `maxDelayMs`. */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** The least delay drawn, whatever the jitter. Default 0. */
  readonly minDelayMs?: number;
}

/**
 * How the delay is drawn below the ceiling (min(maxDelayMs, initialDelayMs * 2^attempt)):
 * - `full`: uniform in [0, ceiling). Spreading the whole range keeps a fleet that lost the same
 *   server from coming back in waves (the AWS architecture blog's "Exponential Backoff And
 *   Jitter"); the choice for reconnects and for work retried by many.
 * - `equal`: uniform in [ceiling / 2, ceiling). Half the ceiling is kept, so the delays really
 *   grow while the server is down; the jittered half still spreads the fleet.
 * - `centered`: uniform in [ceiling / 2, ceiling * 3 / 2), the ceiling plus or minus half: short
 *   retries of lock contention, whose mean should be the ceiling.
 */
export type Jitter = 'full' | 'equal' | 'centered';

/** The lower end of the draw and its width, as shares of the ceiling. */
const shares: Readonly<Record<Jitter, readonly [low: number, width: number]>> = {
  full: [0, 1],
  equal: [0.5, 0.5],
  centered: [0.5, 1],
};

/**
 * Past 2^30 the ceiling of any policy with initialDelayMs >= 1 is more than 12 days: every real
 * maxDelayMs caps it long before, and the exponent stays finite for any attempt number.
 */
const maxExponent = 30;

/** min(maxDelayMs, initialDelayMs * 2^attempt): the delay before jitter of retry `attempt`. */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy): number {
  return Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * 2 ** Math.min(Math.max(attempt, 0), maxExponent),
  );
}

/**
 * The delay before retry `attempt` (0 for the first), in whole milliseconds: the ceiling of
 * backoffCeilingMs with `jitter` applied, never under `policy.minDelayMs`. `random` returns a
 * number in [0, 1), as Math.random does (tests pass their own).
 */
export function backoffDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  jitter: Jitter,
  random: () => number = Math.random,
): number {
  const ceilingMs = backoffCeilingMs(attempt, policy);
  const [low, width] = shares[jitter];
  const delayMs = Math.floor(ceilingMs * low + random() * ceilingMs * width);
  return Math.max(policy.minDelayMs ?? 0, delayMs);
}

/** backoffDelayMs with full jitter: uniform in [0, ceiling). */
export function fullJitterDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  return backoffDelayMs(attempt, policy, 'full', random);
}

/** backoffDelayMs with equal jitter: uniform in [ceiling / 2, ceiling). */
export function equalJitterDelayMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  return backoffDelayMs(attempt, policy, 'equal', random);
}

/** The longest wait a server's pushback is followed for; a larger one is taken as this. */
export const maxPushbackMs = 600_000;

/**
 * The delay before retrying a call that the server refused with a retry time (`hintMs`, e.g.
 * gRPC's `grpc-retry-pushback-ms`): never earlier than it said, plus up to a quarter more at
 * random, so clients told the same time do not return together; never under half the policy's
 * first delay, so a pushback of 0 cannot make a tight loop.
 */
export function pushbackDelayMs(
  hintMs: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const baseMs = Math.min(maxPushbackMs, Math.max(hintMs, policy.initialDelayMs / 2));
  return Math.floor(baseMs * (1 + random() / 4));
}
