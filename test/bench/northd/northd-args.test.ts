import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNorthdBenchArgs } from './northd-args.js';

describe('parseNorthdBenchArgs', () => {
  it('applies the documented defaults', () => {
    assert.deepEqual(parseNorthdBenchArgs([]), {
      out: undefined,
      createSeconds: 10,
      concurrency: 32,
      vpcs: 8,
      chassis: 8,
      latencySamples: 200,
      syncInterfaces: 1000,
      syncCalls: 300,
      convergeChassis: 1000,
      interfacesPerChassis: 3,
      chassisPerVpc: 10,
      convergePasses: 5,
    });
  });

  it('reads every flag', () => {
    const argv = ['--out', 'docs/benchmarks.md', '--create-seconds', '2.5', '--concurrency', '8'];
    argv.push('--vpcs', '2', '--chassis', '3', '--latency-samples', '20');
    argv.push('--sync-interfaces', '100', '--sync-calls', '30', '--converge-chassis', '50');
    argv.push('--interfaces-per-chassis', '2', '--chassis-per-vpc', '5', '--converge-passes', '1');
    assert.deepEqual(parseNorthdBenchArgs(argv), {
      out: 'docs/benchmarks.md',
      createSeconds: 2.5,
      concurrency: 8,
      vpcs: 2,
      chassis: 3,
      latencySamples: 20,
      syncInterfaces: 100,
      syncCalls: 30,
      convergeChassis: 50,
      interfacesPerChassis: 2,
      chassisPerVpc: 5,
      convergePasses: 1,
    });
  });

  it('names every bad flag in one error', () => {
    assert.throws(
      () => parseNorthdBenchArgs(['--vpcs', '65', '--concurrency', '1.5', '--sync-calls', 'x']),
      (err: Error) =>
        /--vpcs/.test(err.message) &&
        /--concurrency/.test(err.message) &&
        /--sync-calls/.test(err.message),
    );
  });

  it('refuses more interfaces per VPC than a /24 holds', () => {
    assert.throws(
      () => parseNorthdBenchArgs(['--chassis-per-vpc', '100', '--interfaces-per-chassis', '3']),
      /at most 240/,
    );
  });

  it('refuses an unknown flag', () => {
    assert.throws(() => parseNorthdBenchArgs(['--second', '3']));
  });
});
