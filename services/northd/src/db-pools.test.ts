import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, createRegistry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import { createPools, poolSizes } from './db-pools.js';

describe('createPools', () => {
  const open = (url: string) => {
    const registry = createRegistry({ service: 'northd', collectDefault: false });
    const pools = createPools({
      url,
      logger: createLogger({ name: 'test', level: 'silent' }),
      registry,
    });
    const capacity = (db: string) => metricValue(registry, 'db_pool_connections_capacity', { db });
    return { pools, capacity };
  };

  it('sizes the reads pool from the URL and every other pool by its work', async () => {
    const { pools, capacity } = open(
      'mysql://vpcd:p%40ss@db.invalid:3306/vpcd?connectionLimit=20&statementTimeoutMs=5000',
    );
    try {
      assert.equal(await capacity('northd'), 20);
      assert.equal(await capacity('northd-writes'), poolSizes.writes);
      assert.equal(await capacity('northd-chassis'), poolSizes.chassis);
      assert.equal(await capacity('northd-converge'), poolSizes.converge);
      assert.equal(await capacity('northd-control'), poolSizes.control);
    } finally {
      await pools.close();
    }
  });

  it('gives the reads pool the default size when the URL sets none', async () => {
    const { pools, capacity } = open('mysql://root@db.invalid/vpcd');
    try {
      assert.equal(await capacity('northd'), 10);
      assert.equal(await capacity('northd-writes'), poolSizes.writes);
    } finally {
      await pools.close();
    }
  });
});
