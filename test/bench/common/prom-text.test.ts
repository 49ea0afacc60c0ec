import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { histogramDelta, histogramOf, largestAtMost, parsePromText, sumOf } from './prom-text.js';

const page = (count: number, sum: number, buckets: readonly number[]) =>
  [
    '# HELP northd_converge_duration_seconds Duration of one converge pass.',
    '# TYPE northd_converge_duration_seconds histogram',
    `northd_converge_duration_seconds_bucket{le="0.01"} ${buckets[0]}`,
    `northd_converge_duration_seconds_bucket{le="0.1"} ${buckets[1]}`,
    `northd_converge_duration_seconds_bucket{le="1"} ${buckets[2]}`,
    `northd_converge_duration_seconds_bucket{le="+Inf"} ${count}`,
    `northd_converge_duration_seconds_sum ${sum}`,
    `northd_converge_duration_seconds_count ${count}`,
    'northd_owned_chassis 502',
    'northd_converge_acks_total{result="applied"} 40',
    'northd_converge_acks_total{result="stale"} 2',
    'process_cpu_seconds_total 1.5 1700000000000',
    '',
  ].join('\n');

describe('parsePromText', () => {
  it('reads names, labels and values, and skips comments', () => {
    const samples = parsePromText(page(3, 0.5, [1, 2, 3]));
    assert.equal(samples.length, 10);
    assert.deepEqual(samples[0], {
      name: 'northd_converge_duration_seconds_bucket',
      labels: { le: '0.01' },
      value: 1,
    });
  });

  it('unescapes label values', () => {
    const [sample] = parsePromText('m{a="x\\"y\\\\z",b="1"} 2');
    assert.deepEqual(sample?.labels, { a: 'x"y\\z', b: '1' });
  });

  it('sums the series that match the labels, and ignores a timestamp', () => {
    const samples = parsePromText(page(3, 0.5, [1, 2, 3]));
    assert.equal(sumOf(samples, 'northd_converge_acks_total'), 42);
    assert.equal(sumOf(samples, 'northd_converge_acks_total', { result: 'applied' }), 40);
    assert.equal(sumOf(samples, 'process_cpu_seconds_total'), 1.5);
    assert.equal(sumOf(samples, 'absent_metric'), 0);
  });
});

describe('histograms', () => {
  const before = histogramOf(
    parsePromText(page(4, 0.02, [4, 4, 4])),
    'northd_converge_duration_seconds',
  );
  const after = histogramOf(
    parsePromText(page(7, 0.42, [5, 6, 7])),
    'northd_converge_duration_seconds',
  );

  it('takes the difference of two scrapes', () => {
    const delta = histogramDelta(before, after);
    assert.equal(delta.count, 3);
    assert.ok(Math.abs(delta.sum - 0.4) < 1e-9);
    assert.deepEqual(
      [...delta.buckets],
      [
        [0.01, 1],
        [0.1, 2],
        [1, 3],
        [Infinity, 3],
      ],
    );
  });

  const cases = [
    { desc: 'bounds the largest observation by its bucket', buckets: [1, 2, 3], want: 1 },
    { desc: 'is the first bucket when all fall in it', buckets: [3, 3, 3], want: 0.01 },
    { desc: 'is Infinity past the last finite bucket', buckets: [1, 2, 2], want: Infinity },
  ];
  for (const { desc, buckets, want } of cases) {
    it(desc, () => {
      const h = histogramOf(parsePromText(page(3, 1, buckets)), 'northd_converge_duration_seconds');
      assert.equal(largestAtMost(h), want);
    });
  }

  it('is NaN without observations', () => {
    assert.ok(Number.isNaN(largestAtMost(histogramDelta(before, before))));
  });
});
