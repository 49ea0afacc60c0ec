import type { TimelinePoint } from '@vpcd/hammer';

/** Calls a second in the first and in the last third of a run, from its per-second timeline. */
export interface ThirdsThroughput {
  readonly firstPerSecond: number;
  readonly lastPerSecond: number;
  /** Whole seconds in each third. */
  readonly secondsPerThird: number;
}

/**
 * Throughput of the first and the last third of the run's whole seconds (the last, partial
 * second is left out): a load that holds steady has the two close. NaN with under 3 seconds.
 */
export function throughputByThird(
  timeline: readonly TimelinePoint[],
  elapsedMs: number,
): ThirdsThroughput {
  const whole = Math.min(timeline.length, Math.floor(elapsedMs / 1000));
  const third = Math.floor(whole / 3);
  if (third === 0) return { firstPerSecond: NaN, lastPerSecond: NaN, secondsPerThird: 0 };
  const rate = (from: number, to: number) =>
    timeline.slice(from, to).reduce((sum, p) => sum + p.count, 0) / (to - from);
  return {
    firstPerSecond: rate(0, third),
    lastPerSecond: rate(whole - third, whole),
    secondsPerThird: third,
  };
}

/** One kill -9 of a northd: when the survivor had taken over its chassis and converged them. */
export interface FailoverRep {
  readonly rep: number;
  /** Chassis the killed instance held. */
  readonly chassis: number;
  /** kill -9 -> every one of them leased by the survivor (a new epoch). */
  readonly reownedMs: number;
  /** kill -9 -> every one of them also acknowledged the change made after the kill. */
  readonly convergedMs: number;
}

/** The slowest repetition's figures, and whether each stayed within lease TTL + 2 s. */
export function failoverVerdict(
  reps: readonly FailoverRep[],
  leaseTtlMs: number,
): { maxReownedMs: number; maxConvergedMs: number; targetMs: number; met: boolean } {
  const maxReownedMs = Math.max(...reps.map((r) => r.reownedMs));
  const maxConvergedMs = Math.max(...reps.map((r) => r.convergedMs));
  const targetMs = leaseTtlMs + 2000;
  return {
    maxReownedMs,
    maxConvergedMs,
    targetMs,
    met: reps.length > 0 && maxConvergedMs <= targetMs,
  };
}
