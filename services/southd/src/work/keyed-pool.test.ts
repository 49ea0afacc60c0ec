import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { KeyedPool } from './keyed-pool.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('KeyedPool', () => {
  it('runs at most `capacity` tasks at once and exports the saturation gauges', async () => {
    const registry = new Registry();
    const pool = new KeyedPool({ capacity: 2, registry, name: 'test_workers' });
    let running = 0;
    let peak = 0;
    const g = gate();
    const tasks = Array.from({ length: 6 }, (_, i) =>
      pool.run(`k${i}`, async () => {
        peak = Math.max(peak, ++running);
        await g.opened;
        running--;
      }),
    );
    await new Promise((r) => setImmediate(r));
    const text = await registry.metrics();
    assert.match(text, /test_workers_in_flight 2/);
    assert.match(text, /test_workers_capacity 2/);
    assert.match(text, /test_workers_queue_depth 4/);
    g.open();
    await Promise.all(tasks);
    assert.equal(peak, 2);
    assert.match(await registry.metrics(), /test_workers_in_flight 0/);
  });

  it('runs the tasks of one key one after another, in order', async () => {
    const pool = new KeyedPool({ capacity: 8, registry: new Registry(), name: 'w' });
    const order: string[] = [];
    const g = gate();
    const first = pool.run('chassis', async () => {
      order.push('start 1');
      await g.opened;
      order.push('end 1');
    });
    const second = pool.run('chassis', () => Promise.resolve(void order.push('start 2')));
    const other = pool.run('other', () => Promise.resolve(void order.push('other')));
    await other;
    g.open();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['start 1', 'other', 'end 1', 'start 2']);
  });

  it('frees the worker and the key when a task throws', async () => {
    const pool = new KeyedPool({ capacity: 1, registry: new Registry(), name: 'w' });
    await assert.rejects(pool.run('k', () => Promise.reject(new Error('boom'))));
    assert.equal(await pool.run('k', () => Promise.resolve('next')), 'next');
  });
});
