import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPool, type Pool } from 'mysql2/promise';
import { connectionSocket, readPoolState } from './mysql2-internals.js';
import { createTestDatabase, type TestDatabase } from './testing/test-database.js';

// Each reader is tried on the pinned mysql2: a new version that moves a field fails here first
// (the readers themselves fall back to zeros and to mysql2's own destroy()).
describe('mysql2 internals on the pinned version', () => {
  let testDb: TestDatabase;
  let pool: Pool;
  before(async () => {
    testDb = await createTestDatabase();
    pool = createPool({ uri: testDb.url, connectionLimit: 3 });
  });
  after(async () => {
    await pool.end();
    await testDb.drop();
  });

  it('reads the open, free and queued connections of a pool', async () => {
    const held = await pool.getConnection();
    const waiting = [pool.getConnection(), pool.getConnection(), pool.getConnection()];
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(readPoolState(pool), { inUse: 3, capacity: 3, open: 3, waiting: 1 });
    held.release();
    for (const connection of await Promise.all(waiting)) connection.release();
    assert.deepEqual(readPoolState(pool), { inUse: 0, capacity: 3, open: 3, waiting: 0 });
  });

  it('finds the socket of a connection', async () => {
    const connection = await pool.getConnection();
    try {
      assert.ok(connectionSocket(connection.connection) instanceof Socket);
    } finally {
      connection.release();
    }
  });
});
