import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TimelinePoint } from '@vpcd/hammer';
import { failoverVerdict, throughputByThird, type FailoverRep } from './region-summary.js';

const timeline = (counts: readonly number[]): TimelinePoint[] =>
  counts.map((count, second) => ({ second, count, errors: 0, p99Ms: 1, calls: {} }));

describe('throughputByThird', () => {
  const cases = [
    {
      desc: 'a steady load has equal thirds',
      counts: [100, 100, 100, 100, 100, 100],
      elapsedMs: 6000,
      want: { firstPerSecond: 100, lastPerSecond: 100, secondsPerThird: 2 },
    },
    {
      desc: 'a load that slows shows it in the last third',
      counts: [120, 100, 90, 80, 60, 40],
      elapsedMs: 6000,
      want: { firstPerSecond: 110, lastPerSecond: 50, secondsPerThird: 2 },
    },
    {
      desc: 'the partial last second is left out',
      counts: [100, 100, 100, 7],
      elapsedMs: 3400,
      want: { firstPerSecond: 100, lastPerSecond: 100, secondsPerThird: 1 },
    },
  ];
  for (const { desc, counts, elapsedMs, want } of cases) {
    it(desc, () => assert.deepEqual(throughputByThird(timeline(counts), elapsedMs), want));
  }

  it('is NaN under three whole seconds', () => {
    const t = throughputByThird(timeline([5, 5]), 2500);
    assert.ok(Number.isNaN(t.firstPerSecond) && Number.isNaN(t.lastPerSecond));
    assert.equal(t.secondsPerThird, 0);
  });
});

describe('failoverVerdict', () => {
  const rep = (n: number, convergedMs: number): FailoverRep => ({
    rep: n,
    chassis: 500,
    reownedMs: convergedMs - 300,
    convergedMs,
  });

  it('takes the slowest repetition and holds it against lease TTL + 2 s', () => {
    assert.deepEqual(failoverVerdict([rep(1, 3500), rep(2, 4900), rep(3, 4000)], 3000), {
      maxReownedMs: 4600,
      maxConvergedMs: 4900,
      targetMs: 5000,
      met: true,
    });
  });

  it('is not met when one repetition is over the target', () => {
    assert.equal(failoverVerdict([rep(1, 3500), rep(2, 5001)], 3000).met, false);
  });

  it('is not met without a repetition', () => {
    assert.equal(failoverVerdict([], 3000).met, false);
  });
});
