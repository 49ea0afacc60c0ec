import type { NorthdProcess } from './northd-process.js';
import {
  histogramDelta,
  histogramOf,
  largestAtMost,
  sumOf,
  type PromSample,
} from '../common/prom-text.js';

/** What one northd's /metrics say happened between two scrapes. */
export interface NorthdWindow {
  readonly id: string;
  /** northd_owned_chassis at the end. */
  readonly ownedChassis: number;
  /** Converge passes run (northd_converge_duration_seconds count). */
  readonly passes: number;
  /** Their total duration (northd_converge_duration_seconds sum), seconds. */
  readonly passSeconds: number;
  /** Upper bound of the longest of them (its histogram bucket), seconds. */
  readonly longestPassAtMostSeconds: number;
  /** Acks recorded as applied (northd_converge_acks_total{result="applied"}). */
  readonly acksApplied: number;
  /** Generation bump -> ack of the chassis acknowledged (northd_chassis_converge_lag_seconds). */
  readonly lagCount: number;
  readonly lagMeanSeconds: number;
  /** Process CPU (process_cpu_seconds_total) over the window, seconds. */
  readonly cpuSeconds: number;
}

const pass = 'northd_converge_duration_seconds';
const lag = 'northd_chassis_converge_lag_seconds';

/** The figures of one northd between scrapes `before` and `after`. */
export function northdWindow(
  id: string,
  before: readonly PromSample[],
  after: readonly PromSample[],
): NorthdWindow {
  const passes = histogramDelta(histogramOf(before, pass), histogramOf(after, pass));
  const lags = histogramDelta(histogramOf(before, lag), histogramOf(after, lag));
  const delta = (name: string, where: Record<string, string> = {}) =>
    sumOf(after, name, where) - sumOf(before, name, where);
  return {
    id,
    ownedChassis: sumOf(after, 'northd_owned_chassis'),
    passes: passes.count,
    passSeconds: passes.sum,
    longestPassAtMostSeconds: largestAtMost(passes),
    acksApplied: delta('northd_converge_acks_total', { result: 'applied' }),
    lagCount: lags.count,
    lagMeanSeconds: lags.count > 0 ? lags.sum / lags.count : NaN,
    cpuSeconds: delta('process_cpu_seconds_total'),
  };
}

/** Scrapes every instance now; call the result to scrape again and get each one's window. */
export async function scrapeAll(
  northd: readonly NorthdProcess[],
): Promise<() => Promise<NorthdWindow[]>> {
  const before = await Promise.all(northd.map((p) => p.scrape()));
  return async () => {
    const after = await Promise.all(northd.map((p) => p.scrape()));
    return northd.map((p, i) => northdWindow(p.id, before[i]!, after[i]!));
  };
}
