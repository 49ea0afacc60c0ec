import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createDatabase, type Database } from '../database.js';
import { isDbError } from '../db-error.js';
import { eventually, silentLogger } from '../test-support.js';
import { privateMariadb, type PrivateMariadb } from './private-mariadb.js';

describe('a Database when its server stops and starts again', () => {
  let server: PrivateMariadb;
  let db: Database;
  before(async () => {
    server = await privateMariadb();
    db = createDatabase({
      url: `${server.url}/mysql`,
      logger: silentLogger,
      registry: new Registry(),
      connectTimeoutMs: 1000,
    });
  });
  after(async () => {
    await db?.close();
    await server?.destroy();
  });

  it('fails with kind unavailable while the server is down and works again once it is back', async () => {
    await Promise.all([db.query('SELECT 1'), db.query('SELECT 2'), db.ping()]);
    await server.stop();
    await assert.rejects(db.query('SELECT 1'), (err) => {
      assert.ok(isDbError(err));
      assert.equal(err.kind, 'unavailable');
      assert.equal(err.retryable, true);
      return true;
    });
    await assert.rejects(db.ping(), (err) => isDbError(err) && err.kind === 'unavailable');
    await assert.rejects(
      db.transaction((tx) => tx.query('SELECT 1')),
      (err) => isDbError(err) && err.kind === 'unavailable',
    );
    await server.start();
    // Connections the stopped server closed may still fail once; the pool replaces them.
    const answer = await eventually(
      () => db.query<{ one: number }>('SELECT 1 AS one').catch(() => []),
      (rows) => rows.length === 1,
    );
    assert.deepEqual(answer, [{ one: 1 }]);
    await db.ping();
    assert.equal(await db.transaction(async (tx) => (await tx.query('SELECT 1')).length), 1);
  });
});
