import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { HistogramFamily } from './histogram-family.js';

const bounds = [0.0005, 0.001, 0.01, 1, 5];
const getVpc = { grpc_type: 'unary', grpc_service: 'vpc.v1.VpcService', grpc_method: 'GetVpc' };
const listVpcs = { ...getVpc, grpc_method: 'ListVpcs' };
// On a bound, between bounds, below the first, above the last, and the sum's rounding.
const observations: Array<[typeof getVpc, number]> = [
  [getVpc, 0.0005],
  [getVpc, 0.0001],
  [getVpc, 0.003],
  [getVpc, 0.1 + 0.2],
  [getVpc, 12],
  [listVpcs, 1],
];

describe('HistogramFamily', () => {
  it("exposes what prom-client's own Histogram exposes for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const family = new HistogramFamily('rpc_seconds', 'Latency.', bounds, ours);
    const histogram = new Histogram({
      name: 'rpc_seconds',
      help: 'Latency.',
      labelNames: Object.keys(getVpc),
      buckets: bounds,
      registers: [theirs],
    });
    const unused = { ...getVpc, grpc_method: 'DeleteVpc' };
    for (const labels of [getVpc, listVpcs, unused]) {
      family.labels(labels);
      histogram.zero(labels);
    }
    for (const [labels, value] of observations) {
      family.labels(labels).observe(value);
      histogram.observe(labels, value);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
    // And what tests and aggregators read: the same series with the same labels and values.
    const series = async (registry: Registry) =>
      (await registry.getMetricsAsJSON()).flatMap((m) =>
        m.values.map((v) => ({
          ...v.labels,
          name: (v as { metricName?: string }).metricName,
          value: v.value,
        })),
      );
    assert.deepEqual(await series(ours), await series(theirs));
  });

  it('gives the same series for the same labels in any order, and resets to zero', () => {
    const registry = new Registry();
    const family = new HistogramFamily('rpc_seconds', 'Latency.', bounds, registry);
    const series = family.labels(getVpc);
    const { grpc_method, grpc_service, grpc_type } = getVpc;
    assert.equal(family.labels({ grpc_method, grpc_service, grpc_type }), series);
    series.observe(0.002);
    assert.equal(series.count, 1);
    registry.resetMetrics();
    assert.deepEqual([series.count, series.sum, [...series.buckets]], [0, 0, [0, 0, 0, 0, 0, 0]]);
  });

  it('refuses bounds that are not increasing, and observations that are not finite', () => {
    assert.throws(() => new HistogramFamily('a', 'h', [1, 1], new Registry()), /increasing/);
    assert.throws(() => new HistogramFamily('b', 'h', [1, Infinity], new Registry()), /finite/);
    const family = new HistogramFamily('c', 'h', bounds, new Registry());
    assert.throws(() => family.labels(getVpc).observe(NaN), TypeError);
  });
});
