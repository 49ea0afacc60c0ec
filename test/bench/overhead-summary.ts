import { variants, type Variant } from './bench-service.js';
import type { RoundResult } from './measure-round.js';
import { median } from './stats.js';

/** The acceptance targets of the rpc variant relative to bare grpc-js. */
export const targets = Object.freeze({ minThroughputRatio: 0.9, maxP99Ratio: 1.15 });

/** Medians over the rounds of one variant, each figure taken on its own. */
export interface VariantMedians {
  readonly rounds: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuMicrosPerCall: number;
  readonly serverCpuShare: number;
  readonly clientCpuShare: number;
}

export interface OverheadSummary {
  readonly medians: Readonly<Record<Variant, VariantMedians>>;
  /** Median rpc throughput over median bare throughput. */
  readonly throughputRatio: number;
  readonly p50Ratio: number;
  /** Median rpc p99 over median bare p99. */
  readonly p99Ratio: number;
  readonly cpuPerCallRatio: number;
  readonly throughputMet: boolean;
  readonly p99Met: boolean;
  /** The most CPU other processes used during any measured window, in cores. */
  readonly maxOtherCores: number;
}

/** Above this much CPU used by other processes (cores) a round's figures are disturbed. */
export const disturbedOtherCores = 0.1;

function mediansOf(rounds: readonly RoundResult[]): VariantMedians {
  const of = (pick: (r: RoundResult) => number) => median(rounds.map(pick));
  return {
    rounds: rounds.length,
    callsPerSecond: of((r) => r.callsPerSecond),
    p50Ms: of((r) => r.p50Ms),
    p99Ms: of((r) => r.p99Ms),
    serverCpuMicrosPerCall: of((r) => r.serverCpuMicrosPerCall),
    serverCpuShare: of((r) => r.serverCpuShare),
    clientCpuShare: of((r) => r.clientCpuShare),
  };
}

/** Medians per variant, the rpc/bare ratios of the medians, and the verdict on the targets. */
export function summarize(results: readonly RoundResult[]): OverheadSummary {
  const medians = Object.fromEntries(
    variants.map((v) => [v, mediansOf(results.filter((r) => r.variant === v))]),
  ) as Record<Variant, VariantMedians>;
  const { bare, rpc } = medians;
  const throughputRatio = rpc.callsPerSecond / bare.callsPerSecond;
  const p99Ratio = rpc.p99Ms / bare.p99Ms;
  return {
    medians,
    throughputRatio,
    p50Ratio: rpc.p50Ms / bare.p50Ms,
    p99Ratio,
    cpuPerCallRatio: rpc.serverCpuMicrosPerCall / bare.serverCpuMicrosPerCall,
    throughputMet: throughputRatio >= targets.minThroughputRatio,
    p99Met: p99Ratio <= targets.maxP99Ratio,
    maxOtherCores: Math.max(...results.map((r) => r.otherCores)),
  };
}

/**
 * Whether every rpc call went through every interceptor: the handler's count, the metric, the
 * exported spans (all of them, or the sampled share) and the log lines (one a call, plus the server's own start and stop lines) agree
 * with the calls the load generator completed.
 */
export function instrumentationComplete(round: RoundResult): boolean {
  const s = round.serverStats;
  return (
    s.handled === round.callsSent &&
    s.metricHandled === s.handled &&
    // Every call traced: a span each; sampled: some spans, never more than calls.
    ((s.traceRatio ?? 1) >= 1
      ? s.spansExported === s.handled
      : (s.spansExported ?? 0) > 0 && (s.spansExported ?? 0) <= s.handled) &&
    (s.logLines ?? 0) >= s.handled
  );
}
