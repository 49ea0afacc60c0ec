import { median } from '../common/stats.js';
import type { ActiveLatency } from '../region/region-latency.js';
import type { VariantName } from './layout.js';
import type { WindowResult } from './measure-window.js';

/** The median of a figure over rounds and its spread (smallest and largest). */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

export function spreadOf(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  return {
    median: median(finite),
    min: finite.length ? Math.min(...finite) : NaN,
    max: finite.length ? Math.max(...finite) : NaN,
    n: finite.length,
  };
}

/**
 * CPU per create less the region's upkeep: the window's CPU minus what the counted processes
 * used at idle in its round (`idleCores` by round, 1-based) over as long, divided by its creates.
 */
export function netCpuPerCreateMs(w: WindowResult, idleCores: readonly number[]): number {
  const idle = idleCores[w.round - 1] ?? NaN;
  const total = Object.values(w.cpuMs).reduce((a, b) => a + b, 0);
  return (total - idle * (w.loadMs + w.drainMs)) / w.creates;
}

/** One variant's figures over its windows. */
export interface VariantSummary {
  readonly cpuPerCreateMs: Spread;
  /** CPU per create less the idle upkeep (netCpuPerCreateMs). */
  readonly netCpuPerCreateMs: Spread;
  readonly createsPerSecond: Spread;
  readonly p50Ms: Spread;
  readonly p99Ms: Spread;
  /** Change -> ACTIVE under this load, from CreateInterface answered, p99. */
  readonly activeP99Ms: Spread;
  /** Each CPU group's share of the variant's CPU, summed over its windows. */
  readonly cpuShares: Readonly<Record<string, number>>;
}

export function summarizeVariant(
  windows: readonly WindowResult[],
  idleCores: readonly number[] = [],
): VariantSummary {
  const totals: Record<string, number> = {};
  let all = 0;
  for (const w of windows) {
    for (const [group, ms] of Object.entries(w.cpuMs)) {
      totals[group] = (totals[group] ?? 0) + ms;
      all += ms;
    }
  }
  return {
    cpuPerCreateMs: spreadOf(windows.map((w) => w.cpuPerCreateMs)),
    netCpuPerCreateMs: spreadOf(windows.map((w) => netCpuPerCreateMs(w, idleCores))),
    createsPerSecond: spreadOf(windows.map((w) => w.load.callsPerSecond)),
    p50Ms: spreadOf(windows.map((w) => w.load.ok.p50Ms)),
    p99Ms: spreadOf(windows.map((w) => w.load.ok.p99Ms)),
    activeP99Ms: spreadOf(windows.map((w) => w.underLoad.answeredToActive.p99Ms)),
    cpuShares: Object.fromEntries(Object.entries(totals).map(([g, ms]) => [g, ms / all])),
  };
}

/** The per-round ratio `num / den` of a figure of two variants, over the rounds having both. */
export function roundRatios(
  windows: readonly WindowResult[],
  num: VariantName,
  den: VariantName,
  figure: (w: WindowResult) => number,
): Spread {
  const rounds = [...new Set(windows.map((w) => w.round))];
  const ratios = rounds.flatMap((r) => {
    const a = windows.find((w) => w.round === r && w.variant === num);
    const b = windows.find((w) => w.round === r && w.variant === den);
    return a && b ? [figure(a) / figure(b)] : [];
  });
  return spreadOf(ratios);
}

export type Verdict = 'met' | 'met within the spread' | 'not met';

/**
 * Whether a figure meets its target: its median does, or its target lies within the spread
 * of the rounds (the issue counts that as met: "do not chase noise").
 */
export function verdictOf(s: Spread, target: number, better: 'lower' | 'higher'): Verdict {
  if (!Number.isFinite(s.median)) return 'not met';
  const meets = (x: number) => (better === 'lower' ? x <= target : x >= target);
  if (meets(s.median)) return 'met';
  return meets(better === 'lower' ? s.min : s.max) ? 'met within the spread' : 'not met';
}

/** A row of the Targets table. */
export interface TargetRow {
  readonly what: string;
  readonly target: string;
  readonly measured: Spread;
  readonly digits: number;
  readonly verdict: Verdict;
}

/** The targets, each from this run's figures. */
export function targetRows(windows: readonly WindowResult[], idle: readonly ActiveLatency[]) {
  const of = (v: VariantName) => summarizeVariant(windows.filter((w) => w.variant === v));
  const small = of('small');
  const cpuRatio = roundRatios(windows, 'large', 'small', (w) => w.cpuPerCreateMs);
  const sharedRatio = roundRatios(windows, 'shared', 'small', (w) => w.load.callsPerSecond);
  const idleP99 = spreadOf(idle.map((l) => l.answeredToActive.p99Ms));
  const row = (
    what: string,
    target: string,
    measured: Spread,
    limit: number,
    better: 'lower' | 'higher',
    digits: number,
  ): TargetRow => ({ what, target, measured, digits, verdict: verdictOf(measured, limit, better) });
  return [
    row('CPU per create, small VPCs (ms)', '<= 2', small.cpuPerCreateMs, 2, 'lower', 2),
    row('CPU per create, large / small VPCs', '<= 1.5', cpuRatio, 1.5, 'lower', 2),
    row('Creates/s, small VPCs', '>= 1000', small.createsPerSecond, 1000, 'higher', 0),
    row('CreateInterface p99, small VPCs (ms)', '< 100', small.p99Ms, 100, 'lower', 1),
    row('Throughput, shared / own chassis', '>= 0.8', sharedRatio, 0.8, 'higher', 2),
    row('Change -> ACTIVE p99 under load (ms)', '<= 250', small.activeP99Ms, 250, 'lower', 1),
    row('Change -> ACTIVE p99 at idle (ms)', '<= 100', idleP99, 100, 'lower', 1),
  ];
}
