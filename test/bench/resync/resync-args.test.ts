import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResyncBenchArgs } from './resync-args.js';

describe('parseResyncBenchArgs', () => {
  it('applies the documented defaults of the full run', () => {
    assert.deepEqual(parseResyncBenchArgs([]), {
      out: undefined,
      quick: false,
      fleet: 1000,
      idleSeconds: 20,
      concurrency: 4,
    });
  });

  it('makes --quick small, and a flag given overrides it', () => {
    const o = parseResyncBenchArgs(['--quick', '--idle-seconds', '3', '--out', 'bench.md']);
    assert.deepEqual([o.quick, o.fleet, o.idleSeconds, o.out], [true, 100, 3, 'bench.md']);
  });

  it('names every bad flag in one error', () => {
    assert.throws(
      () => parseResyncBenchArgs(['--fleet', '0', '--concurrency', 'x', '--out', '']),
      /--fleet must be an integer from 1 to 9999; --concurrency must be .*; --out must name a file/,
    );
  });
});
