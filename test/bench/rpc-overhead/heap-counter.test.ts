import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeapCounter } from './heap-counter.js';

const MiB = 1024 * 1024;

describe('HeapCounter', () => {
  it('counts what a process allocates, promotes and spends collecting', () => {
    const counter = new HeapCounter();
    const start = counter.sample();
    // Objects that stay reachable through many young collections are promoted...
    const kept: Array<{ i: number; s: string }> = [];
    // ...and short-lived ones, many times the young generation, are only allocated.
    let sink = 0;
    for (let i = 0; i < 4_000_000; i++) {
      const o = { i, s: `value ${i}` };
      if (i % 8 === 0) kept.push(o);
      sink += o.s.length;
    }
    const end = counter.sample();
    assert.ok(sink > 0);
    const allocated = end.allocatedBytes - start.allocatedBytes;
    const promoted = end.promotedBytes - start.promotedBytes;
    // 4 million objects with a string each: well over 100 MiB in any V8 layout.
    assert.ok(allocated > 100 * MiB, `allocated ${allocated} bytes`);
    // Half a million kept objects and strings, tens of bytes each, outlive their collection.
    assert.ok(promoted > 10 * MiB, `promoted ${promoted} bytes`);
    assert.ok(promoted < allocated, 'only what was allocated can be promoted');
    assert.ok(end.gcMicros > start.gcMicros, 'collections took time');
    assert.equal(kept.length, 500_000);
  });
});
