import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRegionBenchArgs } from './region-args.js';

describe('parseRegionBenchArgs', () => {
  it('applies the documented defaults of the full run', () => {
    assert.deepEqual(parseRegionBenchArgs([]), {
      out: undefined,
      quick: false,
      fleet: 1000,
      interfacesPerChassis: 2,
      chassisPerVpc: 10,
      idleSamples: 100,
      hammerSeconds: 120,
      concurrency: 32,
      hammerChassis: 14,
      failovers: 3,
      leaseTtlMs: 3000,
    });
  });

  it('makes --quick small', () => {
    const o = parseRegionBenchArgs(['--quick']);
    assert.equal(o.quick, true);
    assert.deepEqual(
      [o.fleet, o.idleSamples, o.hammerSeconds, o.concurrency, o.failovers],
      [100, 10, 15, 8, 1],
    );
  });

  it('lets a flag given override the size --quick picks', () => {
    const o = parseRegionBenchArgs(['--quick', '--fleet', '250', '--out', 'bench.md']);
    assert.equal(o.fleet, 250);
    assert.equal(o.hammerSeconds, 15);
    assert.equal(o.out, 'bench.md');
  });

  it('names every bad flag in one error', () => {
    assert.throws(
      () =>
        parseRegionBenchArgs([
          '--fleet',
          '0',
          '--concurrency',
          '1.5',
          '--hammer-seconds',
          'soon',
          '--out',
          '',
        ]),
      (err: Error) =>
        /--fleet must be an integer/.test(err.message) &&
        /--concurrency must be an integer/.test(err.message) &&
        /--hammer-seconds must be a number/.test(err.message) &&
        /--out must name a file/.test(err.message),
    );
  });

  it('refuses more interfaces than a fleet VPC /24 holds', () => {
    assert.throws(
      () => parseRegionBenchArgs(['--chassis-per-vpc', '100', '--interfaces-per-chassis', '3']),
      /at most 240/,
    );
  });

  it('gives a fleet smaller than 14 chassis all to the hammer', () => {
    assert.equal(parseRegionBenchArgs(['--fleet', '5']).hammerChassis, 5);
  });

  it('refuses more hammer chassis than the fleet has', () => {
    assert.throws(
      () => parseRegionBenchArgs(['--fleet', '10', '--hammer-chassis', '11']),
      /--hammer-chassis must be at most --fleet/,
    );
  });

  it('refuses an unknown flag', () => {
    assert.throws(() => parseRegionBenchArgs(['--fleets', '3']));
  });
});
