import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { privateMariadb } from './private-mariadb.js';
import { createTestDatabase } from './test-database.js';

describe('the database test helpers in make check', () => {
  const before = process.env.VPCD_UNIT_ONLY;
  afterEach(() => {
    if (before === undefined) delete process.env.VPCD_UNIT_ONLY;
    else process.env.VPCD_UNIT_ONLY = before;
  });

  it('refuse to reach MariaDB, before trying any server', async () => {
    process.env.VPCD_UNIT_ONLY = '1';
    await assert.rejects(createTestDatabase(), /needs MariaDB, but VPCD_UNIT_ONLY=1/);
    await assert.rejects(privateMariadb(), /needs MariaDB, but VPCD_UNIT_ONLY=1/);
  });
});
