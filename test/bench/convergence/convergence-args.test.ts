import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConvergenceBenchArgs } from './convergence-args.js';

describe('parseConvergenceBenchArgs', () => {
  it('applies the full-size defaults of the issue', () => {
    assert.deepEqual(parseConvergenceBenchArgs([]), {
      out: undefined,
      quick: false,
      rounds: 3,
      seconds: 10,
      warmupSeconds: 3,
      concurrency: 32,
      vpcs: 8,
      chassisPerVpc: 8,
      smallInterfaces: 100,
      largeInterfaces: 10_000,
      idleSamples: 20,
      southds: 1,
    });
  });

  it('makes --quick small, and a flag given wins over it', () => {
    const o = parseConvergenceBenchArgs(['--quick', '--rounds', '2']);
    assert.deepEqual(
      [o.quick, o.rounds, o.seconds, o.vpcs, o.chassisPerVpc, o.largeInterfaces],
      [true, 2, 2, 2, 2, 200],
    );
  });

  it('names every bad flag in one error', () => {
    assert.throws(
      () => parseConvergenceBenchArgs(['--rounds', '0', '--seconds', 'x', '--out', '']),
      /--rounds must be an integer from 1 to 100; --seconds must be a number .*; --out must name a file/,
    );
  });
});
