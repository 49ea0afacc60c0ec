import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBenchArgs } from './args.js';

describe('parseBenchArgs', () => {
  it('applies the documented defaults', () => {
    assert.deepEqual(parseBenchArgs([]), {
      out: undefined,
      rounds: 7,
      measureSeconds: 5,
      sliceSeconds: 0.5,
      warmupSeconds: 5,
      concurrency: 32,
      cpuProfDir: undefined,
      traceRatio: 0.1,
    });
  });

  it('reads every flag', () => {
    const argv = ['--out', 'docs/benchmarks.md', '--rounds', '3', '--seconds', '2.5'];
    argv.push('--warmup-seconds', '0', '--concurrency', '64', '--cpu-prof-dir', 'prof');
    argv.push('--trace-ratio', '1', '--slice-seconds', '0.25');
    assert.deepEqual(parseBenchArgs(argv), {
      out: 'docs/benchmarks.md',
      rounds: 3,
      measureSeconds: 2.5,
      sliceSeconds: 0.25,
      warmupSeconds: 0,
      concurrency: 64,
      cpuProfDir: 'prof',
      traceRatio: 1,
    });
  });

  it('names every bad flag in one error', () => {
    assert.throws(
      () =>
        parseBenchArgs([
          '--rounds',
          '0',
          '--concurrency',
          '1.5',
          '--seconds',
          'x',
          '--trace-ratio',
          '2',
          '--slice-seconds',
          '0',
        ]),
      (err: Error) =>
        /--trace-ratio/.test(err.message) &&
        /--slice-seconds/.test(err.message) &&
        /--rounds/.test(err.message) &&
        /--concurrency/.test(err.message) &&
        /--seconds/.test(err.message),
    );
  });

  it('refuses an unknown flag', () => {
    assert.throws(() => parseBenchArgs(['--round', '3']));
  });
});
