import { LatencyRecorder, percentile } from './stats.js';

/** The latency figures of one measurement, milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** p50, p99 (nearest rank, see percentile) and the largest of a recorder's samples. */
export function summarizeLatency(recorder: LatencyRecorder): LatencySummary {
  const sorted = recorder.sorted();
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: percentile(sorted, 1),
  };
}
