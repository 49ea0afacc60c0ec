import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRegistry } from './registry.js';
import { createSaturationGauges } from './saturation-gauges.js';

describe('createSaturationGauges', () => {
  it('exports in-flight and capacity gauges under the given name', async () => {
    const registry = createRegistry({ service: 'southd', collectDefault: false });
    const workers = createSaturationGauges(registry, {
      name: 'southd_apply_workers',
      help: 'Converge work applied on hvflowd',
    });
    workers.setCapacity(8);
    workers.inc();
    workers.inc();
    workers.inc();
    workers.dec();
    const text = await registry.metrics();
    assert.match(text, /^southd_apply_workers_in_flight 2$/m);
    assert.match(text, /^southd_apply_workers_capacity 8$/m);
    assert.match(text, /^# HELP southd_apply_workers_capacity Converge work applied/m);
    workers.set(5);
    assert.match(await registry.metrics(), /^southd_apply_workers_in_flight 5$/m);
  });
});
