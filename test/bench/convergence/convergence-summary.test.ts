import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WindowResult } from './measure-window.js';
import {
  netCpuPerCreateMs,
  roundRatios,
  spreadOf,
  verdictOf,
  type Spread,
} from './convergence-summary.js';
import { parseConvergenceBenchArgs } from './convergence-args.js';
import { fleetSizeFor, planVariants, roundOrder } from './layout.js';
import { parseProcStatTicks } from './process-cpu.js';

const spread = (median: number, min: number, max: number): Spread => ({ median, min, max, n: 3 });

const window = (
  round: number,
  variant: WindowResult['variant'],
  callsPerSecond: number,
  cpuPerCreateMs: number,
): WindowResult =>
  ({
    variant,
    round,
    load: {
      ok: { count: 100, p50Ms: 1, p99Ms: 2, maxMs: 3 },
      errors: {},
      elapsedMs: 1000,
      callsPerSecond,
    },
    creates: 100,
    loadMs: 1000,
    drainMs: 0,
    cpuMs: { northd: cpuPerCreateMs * 100 },
    cpuPerCreateMs,
  }) as unknown as WindowResult;

describe('convergence summary', () => {
  it('gives a median and the spread, ignoring figures that could not be computed', () => {
    assert.deepEqual(spreadOf([3, 1, NaN, 2]), { median: 2, min: 1, max: 3, n: 3 });
    assert.ok(Number.isNaN(spreadOf([]).median));
  });

  it('counts a target within the spread as met, as the issue says', () => {
    assert.equal(verdictOf(spread(1.5, 1, 2), 2, 'lower'), 'met');
    assert.equal(verdictOf(spread(2.5, 1.9, 3), 2, 'lower'), 'met within the spread');
    assert.equal(verdictOf(spread(2.5, 2.1, 3), 2, 'lower'), 'not met');
    assert.equal(verdictOf(spread(900, 800, 1001), 1000, 'higher'), 'met within the spread');
    assert.equal(verdictOf(spread(NaN, NaN, NaN), 1000, 'higher'), 'not met');
  });

  it('takes ratios within each round, skipping a round without both variants', () => {
    const windows = [
      window(1, 'small', 100, 10),
      window(1, 'shared', 50, 10),
      window(2, 'shared', 50, 10),
      window(2, 'small', 50, 10),
      window(3, 'small', 1, 10),
    ];
    assert.deepEqual(
      roundRatios(windows, 'shared', 'small', (w) => w.load.callsPerSecond),
      { median: 0.75, min: 0.5, max: 1, n: 2 },
    );
  });

  it('takes the idle upkeep of the round off the CPU per create', () => {
    // 1,000 ms CPU over a 1 s window with 100 creates; 0.5 cores at idle in round 1.
    assert.equal(netCpuPerCreateMs(window(1, 'small', 100, 10), [0.5]), 5);
  });

  it('alternates the variant order from round to round', () => {
    assert.deepEqual(roundOrder(1), ['small', 'large', 'shared']);
    assert.deepEqual(roundOrder(2), ['shared', 'large', 'small']);
  });
});

describe('convergence layout', () => {
  it('gives every variant chassis of its own, the shared one a single set', () => {
    const o = parseConvergenceBenchArgs([]);
    assert.equal(fleetSizeFor(o), 136);
    const ids = Array.from({ length: fleetSizeFor(o) }, (_, i) => `c${i}`);
    const plans = planVariants(o, ids);
    const chassisOf = (name: keyof typeof plans) => new Set(plans[name].chassisByVpc.flat());
    assert.equal(chassisOf('small').size, 64);
    assert.equal(chassisOf('large').size, 64);
    assert.equal(chassisOf('shared').size, 8);
    const all = [...chassisOf('small'), ...chassisOf('large'), ...chassisOf('shared')];
    assert.equal(new Set(all).size, all.length, 'no chassis in two variants');
    assert.equal(plans.large.interfacesPerVpc, 10_000);
    assert.throws(() => planVariants(o, ids.slice(1)), /too few/);
  });
});

describe('parseProcStatTicks', () => {
  it('adds utime and stime, whatever the command name holds', () => {
    const line = '42 (a (b) c) S 1 42 42 0 -1 4194304 98 0 0 0 17 5 0 0 20 0 1 0 130344 0';
    assert.equal(parseProcStatTicks(line), 22);
    assert.throws(() => parseProcStatTicks('garbage'), /not a \/proc/);
  });
});
