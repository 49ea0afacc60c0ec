import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import { replicatedMariadb, type ReplicatedMariadb } from './replication.js';

const appUser = { name: 'app', password: 'app-password' };

/** Inserts rows on `url` from `writers` connections until a write fails; records the answered. */
function startInserts(url: string, writers: number) {
  const acknowledged: number[] = [];
  const connections: Connection[] = [];
  let next = 0;
  const done = Array.from({ length: writers }, async () => {
    const c = await createConnection(url);
    // A crash of the server fails the query in flight; the connection's own event is expected.
    c.on('error', () => undefined);
    connections.push(c);
    for (;;) {
      const id = next++;
      try {
        await c.query('INSERT INTO acked (id) VALUES (?)', [id]);
      } catch {
        return;
      }
      acknowledged.push(id);
    }
  });
  return {
    acknowledged,
    /** Resolves once every writer met an error (the primary is gone). */
    finished: async () => {
      await Promise.all(done);
      for (const c of connections) c.destroy();
    },
  };
}

describe('a semi-synchronous replica promoted after kill -9 of its primary', () => {
  let pair: ReplicatedMariadb;
  before(async () => {
    pair = await replicatedMariadb();
    const root = await createConnection(pair.primary.url);
    try {
      await root.query('CREATE DATABASE repl_test');
      await root.query('CREATE TABLE repl_test.acked (id INT NOT NULL PRIMARY KEY)');
      await root.query("CREATE USER ?@'127.0.0.1' IDENTIFIED BY ?", [
        appUser.name,
        appUser.password,
      ]);
      await root.query("GRANT ALL PRIVILEGES ON repl_test.* TO ?@'127.0.0.1'", [appUser.name]);
    } finally {
      await root.end();
    }
  });
  after(async () => {
    await pair?.destroy();
  });

  const appUrl = (port: number) =>
    `mysql://${appUser.name}:${appUser.password}@127.0.0.1:${port}/repl_test`;

  it('holds every commit the primary acknowledged, and accepts writes once promoted', async () => {
    const inserts = startInserts(appUrl(pair.primary.port), 4);
    while (inserts.acknowledged.length < 300) await new Promise((r) => setTimeout(r, 5));
    // The commits so far waited for the replica: replication is not asynchronous.
    const status = await pair.semiSyncStatus();
    assert.equal(status.on, true, 'Rpl_semi_sync_master_status');
    assert.equal(status.clients, 1, 'Rpl_semi_sync_master_clients');
    assert.equal(status.unacknowledgedCommits, 0, 'Rpl_semi_sync_master_no_tx');
    assert.ok(status.acknowledgedCommits >= 300, `Rpl_semi_sync_master_yes_tx`);

    // Killed with inserts in flight: some are committed on the primary but never answered.
    await pair.stopPrimary();
    await inserts.finished();
    const answered = [...inserts.acknowledged];

    const app = await createConnection(appUrl(pair.replica.port));
    try {
      await assert.rejects(app.query('INSERT INTO acked (id) VALUES (-1)'), (err) => {
        assert.equal((err as { errno?: number }).errno, 1290, 'refused by read_only');
        return true;
      });

      await pair.promoteReplica();

      const [rows] = await app.query<RowDataPacket[]>('SELECT id FROM acked');
      const present = new Set(rows.map((r) => Number(r.id)));
      const lost = answered.filter((id) => !present.has(id));
      assert.deepEqual(lost, [], `${answered.length} inserts were answered`);
      await app.query('INSERT INTO acked (id) VALUES (-1)');
      const [again] = await app.query<RowDataPacket[]>('SELECT id FROM acked WHERE id = -1');
      assert.equal(again.length, 1);
    } finally {
      await app.end();
    }
    const root = await createConnection(pair.replica.url);
    try {
      const [replication] = await root.query<RowDataPacket[]>('SHOW SLAVE STATUS');
      assert.equal(replication.length, 0, 'the promoted server replicates from nobody');
    } finally {
      await root.end();
    }
  });
});
