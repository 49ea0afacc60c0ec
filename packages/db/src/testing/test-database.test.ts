import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createDatabase } from '../database.js';
import { silentLogger } from '../test-support.js';
import { createTestDatabase } from './test-database.js';

describe('createTestDatabase', () => {
  it('creates a database of its own that drop() removes', async () => {
    const [a, b] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    assert.notEqual(a.database, b.database);
    assert.match(a.database, /^vpcd_test_[0-9a-f]+$/);
    const db = createDatabase({ url: a.url, logger: silentLogger, registry: new Registry() });
    try {
      const [row] = await db.query<{ name: string }>('SELECT DATABASE() AS name');
      assert.equal(row?.name, a.database);
      await Promise.all([a.drop(), b.drop()]);
      await a.drop();
      const found = await db.query('SHOW DATABASES LIKE ?', [a.database]);
      assert.equal(found.length, 0);
    } finally {
      await db.close();
    }
  });
});
