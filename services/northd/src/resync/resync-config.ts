import type { EnvReader } from '@vpcd/observability';

/** How one northd admits the calls of chassis that (re)start: RegisterChassis, SyncInitialChassis. */
export interface ResyncConfig {
  /**
   * RESYNC_RATE_PER_S: calls admitted per second, on average; default 200. A restarting agent
   * makes two; each chassis' hvaddr makes one every BINDINGS_REFRESH_MS (5 s) all the time.
   */
  readonly ratePerS: number;
  /** RESYNC_BURST: calls admitted at once after a quiet time; default 200. */
  readonly burst: number;
  /**
   * RESYNC_MAX_IN_FLIGHT: calls running at once; default 4, below the 6 connections of the
   * chassis pool, so heartbeats and acks always find one during a storm.
   */
  readonly maxInFlight: number;
  /** RESYNC_MAX_PUSHBACK_MS: the longest a refused call is told to wait; default 30 s. */
  readonly maxPushbackMs: number;
}

export function readResyncConfig(r: EnvReader): ResyncConfig {
  const bounded = (name: string, min: number, max: number, fallback: number) => {
    const value = r.integer(name, min) ?? fallback;
    if (value > max) r.report(name, `at most ${max}`);
    return value;
  };
  return Object.freeze({
    ratePerS: bounded('RESYNC_RATE_PER_S', 1, 100_000, 200),
    burst: bounded('RESYNC_BURST', 1, 100_000, 200),
    maxInFlight: bounded('RESYNC_MAX_IN_FLIGHT', 1, 10_000, 4),
    maxPushbackMs: bounded('RESYNC_MAX_PUSHBACK_MS', 100, 600_000, 30_000),
  });
}
