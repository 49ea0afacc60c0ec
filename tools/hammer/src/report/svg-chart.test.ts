import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineChart, niceStep } from './svg-chart.js';

describe('lineChart', () => {
  it('draws one polyline a series, escapes names, and labels the axes', () => {
    const svg = lineChart(
      [
        {
          name: 'getVpc',
          color: '#111',
          points: [
            [0, 1],
            [1, 3],
            [2, 2],
          ],
        },
        {
          name: '<all> & "more"',
          color: '#222',
          points: [
            [0, 2],
            [2, 4],
          ],
          dashed: true,
        },
        { name: 'empty', color: '#333', points: [] },
      ],
      { title: 'p99 over time', xLabel: 'second', yLabel: 'ms', xMinStep: 1 },
    );
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    assert.match(svg, /data-series="getVpc"/);
    assert.match(svg, /&#60;all&#62; &#38; &#34;more&#34;/);
    assert.doesNotMatch(svg, /<all>/);
    assert.match(svg, />p99 over time</);
    assert.match(svg, />second</);
    assert.doesNotMatch(svg, />0\.5</, 'whole-second ticks');
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
  });

  it('draws an empty chart without numbers going wrong', () => {
    const svg = lineChart([], { title: 't', xLabel: 'x', yLabel: 'y' });
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
  });
});

describe('niceStep', () => {
  const cases: Array<[number, number, number]> = [
    [100, 5, 20],
    [7, 5, 2],
    [0.3, 5, 0.1],
    [1234, 5, 500],
    [0, 5, 1],
  ];
  for (const [span, count, want] of cases) {
    it(`splits ${span} in about ${count} as steps of ${want}`, () =>
      assert.equal(Number(niceStep(span, count).toPrecision(6)), want));
  }
});
