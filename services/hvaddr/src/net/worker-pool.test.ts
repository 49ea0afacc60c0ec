import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRegistry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import { WorkerPool } from './worker-pool.js';

describe('WorkerPool', () => {
  it('runs up to its capacity, refuses beyond, and exports both', async () => {
    const registry = createRegistry({ service: 't', collectDefault: false });
    const pool = new WorkerPool(2, registry);
    const releases: Array<() => void> = [];
    const job = () => new Promise<void>((resolve) => releases.push(resolve));
    assert.equal(pool.tryRun(job), true);
    assert.equal(pool.tryRun(job), true);
    assert.equal(pool.tryRun(job), false);
    assert.equal(await metricValue(registry, 'hvaddr_workers_in_flight'), 2);
    assert.equal(await metricValue(registry, 'hvaddr_workers_capacity'), 2);
    for (const release of releases) release();
    await pool.drain();
    assert.equal(await metricValue(registry, 'hvaddr_workers_in_flight'), 0);
    assert.equal(
      pool.tryRun(() => Promise.reject(new Error('job failed'))),
      true,
    );
    await pool.drain();
    assert.equal(pool.busy, 0);
  });
});
