import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LatencyRecorder, median, percentile } from './stats.js';

describe('percentile', () => {
  const hundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  const cases = [
    { desc: 'p50 of 1..100 is 50', values: hundred, p: 0.5, want: 50 },
    { desc: 'p99 of 1..100 is 99', values: hundred, p: 0.99, want: 99 },
    { desc: 'p100 is the largest value', values: hundred, p: 1, want: 100 },
    { desc: 'p0 is the smallest value', values: hundred, p: 0, want: 1 },
    { desc: 'p99 of one value is that value', values: [7], p: 0.99, want: 7 },
  ];
  for (const { desc, values, p, want } of cases) {
    it(desc, () => assert.equal(percentile(values, p), want));
  }
  it('is NaN without values', () => assert.ok(Number.isNaN(percentile([], 0.5))));
});

describe('median', () => {
  it('takes the middle value of an odd count, in any order', () => {
    assert.equal(median([3, 1, 2]), 2);
  });
  it('averages the two middle values of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});

describe('LatencyRecorder', () => {
  it('keeps every sample past its initial capacity and sorts them numerically', () => {
    const recorder = new LatencyRecorder(2);
    for (const v of [10, 9, 100, 1, 2.5]) recorder.record(v);
    assert.equal(recorder.count, 5);
    assert.deepEqual([...recorder.sorted()], [1, 2.5, 9, 10, 100]);
  });
});
