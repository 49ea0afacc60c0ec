import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Variant } from './bench-service.js';
import type { RoundResult } from './measure-round.js';
import { instrumentationComplete, roundRatios, summarize } from './overhead-summary.js';

function round(variant: Variant, n: number, fields: Partial<RoundResult> = {}): RoundResult {
  return {
    variant,
    round: n,
    slices: 10,
    calls: 1000,
    elapsedMs: 1000,
    callsPerSecond: 1000,
    p50Ms: 1,
    p99Ms: 2,
    serverCpuMicrosPerCall: 100,
    allocatedBytesPerCall: 20_000,
    promotedBytesPerCall: 2_000,
    gcMicrosPerCall: 10,
    serverCpuShare: 0.5,
    serverEventLoopShare: 0.5,
    clientCpuShare: 0.9,
    otherCores: 0,
    serverStats: { handled: 1200 },
    callsSent: 1200,
    ...fields,
  };
}

describe('summarize', () => {
  it('takes the median of each figure per variant, and of the rpc/bare ratios within rounds', () => {
    // The machine drifts: round 2 runs at a tenth of round 1's pace in both variants.
    const results = [
      round('bare', 1, { callsPerSecond: 1000, p99Ms: 2 }),
      round('rpc', 1, { callsPerSecond: 950, p99Ms: 2.2, allocatedBytesPerCall: 21_000 }),
      round('rpc', 2, { callsPerSecond: 92, p99Ms: 21, allocatedBytesPerCall: 30_000 }),
      round('bare', 2, { callsPerSecond: 100, p99Ms: 20 }),
      round('bare', 3, { callsPerSecond: 1100, p99Ms: 2 }),
      round('rpc', 3, { callsPerSecond: 440, p99Ms: 50, allocatedBytesPerCall: 22_000 }),
    ];
    const s = summarize(results);
    assert.equal(s.medians.bare.callsPerSecond, 1000);
    assert.equal(s.medians.rpc.callsPerSecond, 440);
    assert.equal(s.medians.rpc.allocatedBytesPerCall, 22_000);
    assert.equal(s.ratiosOfMedians.throughput, 440 / 1000);
    assert.deepEqual(
      roundRatios(results).map((r) => [r.round, r.throughput, r.p99]),
      [
        [1, 0.95, 2.2 / 2],
        [2, 0.92, 21 / 20],
        [3, 0.4, 25],
      ],
    );
    assert.equal(s.pairedRatios.throughput, 0.92);
    assert.equal(s.pairedRatios.p99, 2.2 / 2);
    assert.deepEqual(s.pairedRanges.throughput, [0.4, 0.95]);
    // Throughput's median (0.92) is short of 0.95, which round 1 reached: within the spread.
    assert.deepEqual(s.verdicts, { throughput: 'within spread', cpuPerCall: 'met', p99: 'met' });
  });

  it('counts a median past its target as met when the target is within the rounds', () => {
    const cpu = (...perRound: number[]) =>
      summarize(
        perRound.flatMap((c, i) => [
          round('bare', i + 1, { serverCpuMicrosPerCall: 100 }),
          round('rpc', i + 1, { serverCpuMicrosPerCall: c }),
        ]),
      );
    const within = cpu(110, 116, 120);
    assert.equal(within.pairedRatios.cpuPerCall, 1.16);
    assert.deepEqual(within.pairedRanges.cpuPerCall, [1.1, 1.2]);
    assert.equal(within.verdicts.cpuPerCall, 'within spread');
    assert.equal(cpu(116, 117, 120).verdicts.cpuPerCall, 'not met');
    assert.equal(cpu(100, 114, 120).verdicts.cpuPerCall, 'met');
  });

  it('pairs only rounds that measured both variants', () => {
    const results = [round('bare', 1), round('rpc', 1), round('bare', 2)];
    assert.deepEqual(
      roundRatios(results).map((r) => r.round),
      [1],
    );
  });

  const verdicts = [
    {
      desc: 'meets every target at its bound',
      rate: 950,
      cpu: 115,
      p99: 2.3,
      want: ['met', 'met', 'met'],
    },
    {
      desc: 'misses throughput just below 0.95',
      rate: 949,
      cpu: 100,
      p99: 2,
      want: ['not met', 'met', 'met'],
    },
    {
      desc: 'misses CPU per call just above 1.15',
      rate: 1000,
      cpu: 115.1,
      p99: 2,
      want: ['met', 'not met', 'met'],
    },
    {
      desc: 'misses p99 just above 1.15',
      rate: 1000,
      cpu: 100,
      p99: 2.31,
      want: ['met', 'met', 'not met'],
    },
  ];
  for (const { desc, rate, cpu, p99, want } of verdicts) {
    it(desc, () => {
      const s = summarize([
        round('bare', 1, { callsPerSecond: 1000, p99Ms: 2, serverCpuMicrosPerCall: 100 }),
        round('rpc', 1, { callsPerSecond: rate, p99Ms: p99, serverCpuMicrosPerCall: cpu }),
      ]);
      assert.deepEqual([s.verdicts.throughput, s.verdicts.cpuPerCall, s.verdicts.p99], want);
    });
  }

  it('reports the most CPU other processes used in any round', () => {
    const s = summarize([
      round('bare', 1, { otherCores: 0.3 }),
      round('rpc', 1, { otherCores: 0.05 }),
    ]);
    assert.equal(s.maxOtherCores, 0.3);
  });
});

describe('instrumentationComplete', () => {
  const complete = {
    handled: 1200,
    metricHandled: 1200,
    spansExported: 1200,
    logLines: 1204,
    logBytes: 1,
  };
  it('holds when every call was counted, traced and logged', () => {
    assert.ok(instrumentationComplete(round('rpc', 1, { serverStats: complete })));
  });
  const gaps = [
    { desc: 'a span was dropped', stats: { ...complete, spansExported: 1199 } },
    { desc: 'a call was not counted', stats: { ...complete, metricHandled: 1199 } },
    { desc: 'a line was not logged', stats: { ...complete, logLines: 1199 } },
    { desc: 'the server answered fewer calls than were sent', stats: { ...complete, handled: 1 } },
  ];
  for (const { desc, stats } of gaps) {
    it(`fails when ${desc}`, () => {
      assert.equal(instrumentationComplete(round('rpc', 1, { serverStats: stats })), false);
    });
  }
});
