import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, metricValue, signal, testContext, type TestContext } from './test-support.js';

describe('database metrics', () => {
  let t: TestContext;
  before(async () => {
    t = await testContext();
  });
  after(() => t.cleanup());

  it('counts statements by verb and outcome and times them', async () => {
    const { db, registry } = t.open({ name: 'northd' });
    await db.query('SELECT 1');
    await db.query('SELECT 2');
    await db.query('SELECT * FROM missing').catch(() => []);
    const labels = { db: 'northd', verb: 'select' };
    assert.equal(await metricValue(registry, 'db_queries_total', { ...labels, outcome: 'ok' }), 2);
    assert.equal(
      await metricValue(registry, 'db_queries_total', { ...labels, outcome: 'other' }),
      1,
    );
    assert.equal(await metricValue(registry, 'db_query_duration_seconds_count', labels), 3);
  });

  it('reports pool capacity, connections in use and waiters at scrape', async () => {
    const { db, registry } = t.open({ connectionLimit: 1 });
    const gauge = (name: string) => metricValue(registry, name, { db: 'main' });
    assert.equal(await gauge('db_pool_connections_capacity'), 1);
    assert.equal(await gauge('db_pool_connections_in_use'), 0);
    const holding = signal();
    const release = signal();
    const held = db.transaction(async () => {
      holding.resolve();
      await release.promise;
    });
    await holding.promise;
    const waiter = db.query('SELECT 1');
    assert.equal(await gauge('db_pool_connections_in_use'), 1);
    assert.equal(await gauge('db_pool_waiting'), 1);
    release.resolve();
    await Promise.all([held, waiter]);
    assert.equal(
      await eventually(
        () => gauge('db_pool_connections_in_use'),
        (v) => v === 0,
      ),
      0,
    );
    assert.equal(await gauge('db_pool_waiting'), 0);
    assert.equal(await gauge('db_pool_connections_open'), 1);
  });

  it('times how long callers wait for a connection', async () => {
    const { db, registry } = t.open({ name: 'waits', connectionLimit: 1 });
    const holding = signal();
    const release = signal();
    const held = db.transaction(async () => {
      holding.resolve();
      await release.promise;
    });
    await holding.promise;
    const waiter = db.query('SELECT 1');
    await new Promise((r) => setTimeout(r, 200));
    release.resolve();
    await Promise.all([held, waiter]);
    const wait = (name: string, le?: string) =>
      metricValue(registry, name, { db: 'waits', ...(le === undefined ? {} : { le }) });
    assert.equal(await wait('db_pool_wait_seconds_count'), 2, 'one wait per acquired connection');
    const total = (await wait('db_pool_wait_seconds_bucket', '+Inf'))!;
    const short = (await wait('db_pool_wait_seconds_bucket', '0.1'))!;
    assert.ok(
      total - short >= 1,
      'the query waited as long as the transaction held the connection',
    );
    assert.ok((await wait('db_pool_wait_seconds_sum'))! >= 0.2);
  });

  it('lets two databases share a registry, each under its own label, until closed', async () => {
    const first = t.open({ name: 'a', connectionLimit: 2 });
    const second = t.open({ name: 'b', connectionLimit: 3, registry: first.registry });
    const capacity = (db: string) =>
      metricValue(first.registry, 'db_pool_connections_capacity', { db });
    assert.equal(await capacity('a'), 2);
    assert.equal(await capacity('b'), 3);
    await second.db.close();
    assert.equal(await capacity('b'), undefined);
    assert.equal(
      await metricValue(first.registry, 'db_transactions_total', { db: 'a', outcome: 'retried' }),
      0,
    );
  });
});
