import { build, type Histogram } from 'hdr-histogram-js';
import type { Mix } from '../mix.js';
import type { CallStats, Recorder } from '../run/recorder.js';
import type { TargetSummary } from '../target.js';
import type {
  CallReport,
  LatencySummaryMs,
  PercentilePoint,
  Report,
  TimelinePoint,
} from './report.js';

/** Percentiles of the distribution chart: denser towards the tail. */
export const distributionPercentiles = [
  0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100,
];

export interface RunFacts {
  readonly target: { kind: string; description: string };
  readonly startTime: Date;
  readonly mode: 'closed' | 'open';
  readonly concurrency: number | undefined;
  readonly ratePerSecond: number | undefined;
  readonly durationMs: number;
  readonly elapsedMs: number;
  readonly interrupted: boolean;
  readonly mix: Mix;
}

const ms = (micros: number) => Math.round(micros) / 1000;
const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The value at a percentile in ms. HDR answers with the top of the value's bucket, which can lie
 * above the largest value recorded; no percentile is reported above the max.
 */
function at(h: Histogram, percentile: number): number {
  return ms(Math.min(h.getValueAtPercentile(percentile), h.maxValue));
}

export function latencySummary(h: Histogram): LatencySummaryMs {
  if (h.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  return {
    min: ms(h.minNonZeroValue),
    mean: ms(h.mean),
    p50: at(h, 50),
    p90: at(h, 90),
    p99: at(h, 99),
    p999: at(h, 99.9),
    max: ms(h.maxValue),
  };
}

function percentiles(h: Histogram): PercentilePoint[] {
  if (h.totalCount === 0) return [];
  return distributionPercentiles.map((percentile) => ({
    percentile,
    latencyMs: at(h, percentile),
  }));
}

const errorCount = (s: CallStats) => [...s.errors.values()].reduce((a, b) => a + b, 0);

function p99(s: CallStats | undefined): number {
  return s && s.count > 0 ? at(s.histogram, 99) : 0;
}

/** The report of a finished run: summaries of the recorder's histograms and counts. */
export function buildReport(facts: RunFacts, recorder: Recorder, summary: TargetSummary): Report {
  const seconds = Math.max(facts.elapsedMs, 1) / 1000;
  const calls: Record<string, CallReport> = {};
  const all = build({ useWebAssembly: false, numberOfSignificantValueDigits: 3 });
  const allErrors: Record<string, number> = {};
  let skipped = 0;
  for (const [name, s] of recorder.calls) {
    if (!(name in facts.mix)) continue;
    all.add(s.histogram);
    for (const [code, n] of s.errors) allErrors[code] = (allErrors[code] ?? 0) + n;
    skipped += s.skipped;
    calls[name] = {
      count: s.count,
      ok: s.count - errorCount(s),
      errors: Object.fromEntries(s.errors),
      errorCount: errorCount(s),
      skipped: s.skipped,
      throughputPerSecond: round2(s.count / seconds),
      latencyMs: latencySummary(s.histogram),
      percentiles: percentiles(s.histogram),
    };
  }
  const timeline: TimelinePoint[] = recorder.seconds.map((sec, second) => ({
    second,
    count: sec.all.count,
    errors: errorCount(sec.all),
    p99Ms: p99(sec.all),
    calls: Object.fromEntries(
      [...sec.calls].map(([name, s]) => [
        name,
        { count: s.count, errors: errorCount(s), p99Ms: p99(s) },
      ]),
    ),
  }));
  const count = Object.values(calls).reduce((a, c) => a + c.count, 0);
  const errors = Object.values(allErrors).reduce((a, b) => a + b, 0);
  return {
    schemaVersion: 1,
    target: facts.target,
    startTime: facts.startTime.toISOString(),
    mode: facts.mode,
    concurrency: facts.concurrency ?? null,
    ratePerSecond: facts.ratePerSecond ?? null,
    latencyFrom: facts.mode === 'open' ? 'intended-start' : 'actual-start',
    durationMs: facts.durationMs,
    elapsedMs: Math.round(facts.elapsedMs),
    interrupted: facts.interrupted,
    mix: facts.mix,
    totals: {
      count,
      ok: count - errors,
      errorCount: errors,
      errors: allErrors,
      skipped,
      throughputPerSecond: round2(count / seconds),
      latencyMs: latencySummary(all),
    },
    calls,
    timeline,
    setUp: summary.setUp,
    cleanedUp: summary.cleanedUp,
    notes: summary.notes,
  };
}
