import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vectorSelectors } from './selectors.js';

describe('vectorSelectors', () => {
  const cases: Array<{ desc: string; expr: string; want: string[] }> = [
    {
      desc: 'finds the selector under an aggregation with a grouping list',
      expr: 'sum by (namespace) (up{job="northd"}) < 2',
      want: ['up{job="northd"}'],
    },
    {
      desc: 'leaves out what absent() asks to be missing',
      expr: 'sum by (namespace) (up{job="northd"}) == 0 or absent(up{job="northd", x="y"})',
      want: ['up{job="northd"}'],
    },
    {
      desc: 'keeps the matchers of a selector whose values hold braces and commas',
      expr: 'rate(x_total{a=~"b|c",d!="{,}"}[5m]) / ignoring(a) rate(y_total[5m] offset 1h)',
      want: ['x_total{a=~"b|c",d!="{,}"}', 'y_total'],
    },
    {
      desc: 'reads a nameless selector and skips label_replace arguments',
      expr: 'label_replace({__name__=~".+_in_flight",job="a"}, "pool", "$1", "__name__", "(.+)")',
      want: ['{__name__=~".+_in_flight",job="a"}'],
    },
    {
      desc: 'skips numbers, keywords and functions, each selector once',
      expr: 'histogram_quantile(0.99, sum by (le) (rate(h_bucket{le!="1e3"}[1m]))) > 0.5 and h_count > bool 1e3 or h_count',
      want: ['h_bucket{le!="1e3"}', 'h_count'],
    },
  ];
  for (const c of cases) {
    it(c.desc, () => assert.deepEqual(vectorSelectors(c.expr), c.want));
  }
});
