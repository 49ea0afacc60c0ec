import { variants } from './bench-service.js';
import { fixed } from '../common/markdown-table.js';
import type { OverheadRun } from './overhead-markdown.js';
import { disturbedOtherCores, targets, type Verdict } from './overhead-summary.js';

function row(cells: readonly string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(8) : c.padStart(13))).join('');
}

/** The summary printed on the terminal at the end of a run. */
export function overheadText({ options, summary: s, repeated }: OverheadRun): string {
  const met = (v: Verdict) =>
    v === 'met' ? 'met' : v === 'within spread' ? "met: within the rounds' spread" : 'NOT MET';
  const spread = ([low, high]: readonly [number, number]) =>
    `rounds ${fixed(low, 3)}-${fixed(high, 3)}`;
  return [
    `medians over ${options.rounds} rounds of ${options.measureSeconds} s in ${options.sliceSeconds} s slices, concurrency ${options.concurrency}`,
    row(['variant', 'calls/s', 'p50 ms', 'p99 ms', 'cpu µs/call']),
    ...variants.map((v) => {
      const m = s.medians[v];
      return row([
        v,
        fixed(m.callsPerSecond, 0),
        fixed(m.p50Ms, 3),
        fixed(m.p99Ms, 3),
        fixed(m.serverCpuMicrosPerCall, 1),
      ]);
    }),
    ...variants.map((v) => {
      const m = s.medians[v];
      return `${v.padEnd(4)} heap per call: ${fixed(m.allocatedBytesPerCall / 1024, 2)} KiB allocated, ${fixed(m.promotedBytesPerCall / 1024, 2)} KiB promoted, ${fixed(m.gcMicrosPerCall, 1)} µs in GC`;
    }),
    'rpc/bare, median of the per-round ratios:',
    `throughput rpc/bare ${fixed(s.pairedRatios.throughput, 3)} (${spread(s.pairedRanges.throughput)}, target >= ${targets.minThroughputRatio.toFixed(2)}): ${met(s.verdicts.throughput)}`,
    `cpu/call rpc/bare   ${fixed(s.pairedRatios.cpuPerCall, 3)} (${spread(s.pairedRanges.cpuPerCall)}, target <= ${targets.maxCpuPerCallRatio.toFixed(2)}): ${met(s.verdicts.cpuPerCall)}`,
    `p99 rpc/bare        ${fixed(s.pairedRatios.p99, 3)} (${spread(s.pairedRanges.p99)}, target <= ${targets.maxP99Ratio.toFixed(2)}): ${met(s.verdicts.p99)}`,
    `p50 rpc/bare        ${fixed(s.pairedRatios.p50, 3)}`,
    `ratios of the medians: throughput ${fixed(s.ratiosOfMedians.throughput, 3)}, p99 ${fixed(s.ratiosOfMedians.p99, 3)}, server cpu per call ${fixed(s.ratiosOfMedians.cpuPerCall, 3)}`,
    `${repeated} disturbed rounds repeated; other processes used at most` +
      ` ${fixed(s.maxOtherCores, 2)} cores during a kept round` +
      (s.maxOtherCores > disturbedOtherCores ? ': the machine was NOT quiet' : ''),
  ].join('\n');
}
