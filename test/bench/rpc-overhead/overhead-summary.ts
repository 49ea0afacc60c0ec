import { variants, type Variant } from './bench-service.js';
import type { RoundResult } from './measure-round.js';
import { median } from '../common/stats.js';

/**
 * The acceptance targets of the rpc variant relative to bare grpc-js. CPU time per call is the
 * steadier of the two headline figures from run to run; throughput also depends on the load
 * generator sharing the machine.
 */
export const targets = Object.freeze({
  minThroughputRatio: 0.95,
  maxCpuPerCallRatio: 1.15,
  maxP99Ratio: 1.15,
});

/**
 * A target's verdict on the median of the per-round ratios: met; within the rounds' spread (the
 * target lies between the lowest and the highest round, which issue 15 counts as met: "a figure
 * within the runs' spread of its target counts as met"); or not met.
 */
export type Verdict = 'met' | 'within spread' | 'not met';

/** Medians over the rounds of one variant, each figure taken on its own. */
export interface VariantMedians {
  readonly rounds: number;
  readonly callsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly serverCpuMicrosPerCall: number;
  readonly allocatedBytesPerCall: number;
  readonly promotedBytesPerCall: number;
  readonly gcMicrosPerCall: number;
  readonly serverCpuShare: number;
  readonly clientCpuShare: number;
}

/** rpc over bare, of one figure. */
export interface Ratios {
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPerCall: number;
}

export interface OverheadSummary {
  readonly medians: Readonly<Record<Variant, VariantMedians>>;
  /**
   * Each figure's rpc/bare ratio within each round, the median over the rounds: the verdict's.
   * The machine drifts between rounds more than the two variants of one round differ (bare's
   * throughput has moved by a quarter within one run), so a round compares the two
   * variants measured back to back, and the median drops the rounds a burst upset.
   */
  readonly pairedRatios: Ratios;
  /** Each figure's lowest and highest rpc/bare ratio of a round: the runs' spread. */
  readonly pairedRanges: Readonly<Record<keyof Ratios, readonly [number, number]>>;
  /** The ratios of the medians per variant, shown beside the verdict. */
  readonly ratiosOfMedians: Ratios;
  readonly verdicts: Readonly<Record<'throughput' | 'cpuPerCall' | 'p99', Verdict>>;
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
    allocatedBytesPerCall: of((r) => r.allocatedBytesPerCall),
    promotedBytesPerCall: of((r) => r.promotedBytesPerCall),
    gcMicrosPerCall: of((r) => r.gcMicrosPerCall),
    serverCpuShare: of((r) => r.serverCpuShare),
    clientCpuShare: of((r) => r.clientCpuShare),
  };
}

type Figures = Pick<RoundResult, 'callsPerSecond' | 'p50Ms' | 'p99Ms' | 'serverCpuMicrosPerCall'>;

function ratios(rpc: Figures, bare: Figures): Ratios {
  return {
    throughput: rpc.callsPerSecond / bare.callsPerSecond,
    p50: rpc.p50Ms / bare.p50Ms,
    p99: rpc.p99Ms / bare.p99Ms,
    cpuPerCall: rpc.serverCpuMicrosPerCall / bare.serverCpuMicrosPerCall,
  };
}

/** The rpc/bare ratios of each round that measured both variants. */
export function roundRatios(results: readonly RoundResult[]): Array<{ round: number } & Ratios> {
  const rounds = [...new Set(results.map((r) => r.round))].sort((a, b) => a - b);
  return rounds.flatMap((round) => {
    const bare = results.find((r) => r.round === round && r.variant === 'bare');
    const rpc = results.find((r) => r.round === round && r.variant === 'rpc');
    return bare && rpc ? [{ round, ...ratios(rpc, bare) }] : [];
  });
}

/**
 * Medians per variant, the rpc/bare ratios (paired by round, and of the medians), and the
 * verdict on the targets, taken on the paired ratios.
 */
export function summarize(results: readonly RoundResult[]): OverheadSummary {
  const medians = Object.fromEntries(
    variants.map((v) => [v, mediansOf(results.filter((r) => r.variant === v))]),
  ) as Record<Variant, VariantMedians>;
  const perRound = roundRatios(results);
  const of = (pick: (r: Ratios) => number) => median(perRound.map(pick));
  const pairedRatios: Ratios = {
    throughput: of((r) => r.throughput),
    p50: of((r) => r.p50),
    p99: of((r) => r.p99),
    cpuPerCall: of((r) => r.cpuPerCall),
  };
  const range = (pick: (r: Ratios) => number) => {
    const values = perRound.map(pick);
    return [Math.min(...values), Math.max(...values)] as const;
  };
  const pairedRanges = {
    throughput: range((r) => r.throughput),
    p50: range((r) => r.p50),
    p99: range((r) => r.p99),
    cpuPerCall: range((r) => r.cpuPerCall),
  };
  const atLeast = (figure: keyof Ratios, bound: number): Verdict =>
    verdictOf(pairedRatios[figure] >= bound, pairedRanges[figure], bound);
  const atMost = (figure: keyof Ratios, bound: number): Verdict =>
    verdictOf(pairedRatios[figure] <= bound, pairedRanges[figure], bound);
  return {
    medians,
    pairedRatios,
    pairedRanges,
    ratiosOfMedians: ratios(medians.rpc, medians.bare),
    verdicts: {
      throughput: atLeast('throughput', targets.minThroughputRatio),
      cpuPerCall: atMost('cpuPerCall', targets.maxCpuPerCallRatio),
      p99: atMost('p99', targets.maxP99Ratio),
    },
    maxOtherCores: Math.max(...results.map((r) => r.otherCores)),
  };
}

function verdictOf(met: boolean, [low, high]: readonly [number, number], bound: number): Verdict {
  if (met) return 'met';
  return low <= bound && bound <= high ? 'within spread' : 'not met';
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
