import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Gauge, register as globalRegistry } from 'prom-client';
import { createRegistry } from './index.js';

async function metricNames(registry: { getMetricsAsJSON(): Promise<{ name: string }[]> }) {
  return (await registry.getMetricsAsJSON()).map((metric) => metric.name);
}

describe('createRegistry', () => {
  it('registers nothing on the global registry when the package is imported', async () => {
    assert.deepEqual(await metricNames(globalRegistry), []);
  });

  it('holds no metrics when default metrics are off', async () => {
    const registry = createRegistry({ service: 'northd', collectDefault: false });
    assert.deepEqual(await metricNames(registry), []);
  });

  it('lets two registries hold metrics of the same name', async () => {
    const registries = [createRegistry({ service: 'a' }), createRegistry({ service: 'b' })];
    for (const registry of registries) {
      new Gauge({ name: 'vpcd_test_gauge', help: 'test', registers: [registry] });
    }
    for (const registry of registries) {
      assert.ok((await metricNames(registry)).includes('vpcd_test_gauge'));
    }
    assert.deepEqual(await metricNames(globalRegistry), []);
  });

  it('collects event-loop lag and a utilization ratio between 0 and 1', async () => {
    const registry = createRegistry({ service: 'northd' });
    const names = await metricNames(registry);
    assert.ok(names.includes('nodejs_eventloop_lag_seconds'));
    assert.ok(names.includes('process_cpu_seconds_total'));
    const json = await registry.getSingleMetric('nodejs_eventloop_utilization_ratio')?.get();
    const value = json?.values[0]?.value ?? -1;
    assert.ok(value >= 0 && value <= 1, `utilization ${value}`);
  });

  it('prefixes default metric names when asked', async () => {
    const registry = createRegistry({ service: 'northd', prefix: 'vpcd_' });
    const names = await metricNames(registry);
    assert.ok(names.includes('vpcd_nodejs_eventloop_lag_seconds'));
    assert.ok(names.includes('vpcd_nodejs_eventloop_utilization_ratio'));
  });

  it('stamps the service label only when default labels are given', async () => {
    const plain = createRegistry({ service: 'northd', collectDefault: false });
    const labelled = createRegistry({
      service: 'northd',
      collectDefault: false,
      defaultLabels: { region: 'r1' },
    });
    for (const registry of [plain, labelled]) {
      new Gauge({ name: 'vpcd_up', help: 'test', registers: [registry] }).set(1);
    }
    assert.match(await plain.metrics(), /^vpcd_up 1$/m);
    assert.match(await labelled.metrics(), /^vpcd_up\{service="northd",region="r1"\} 1$/m);
  });
});
