import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { migrate, type Database } from '@vpcd/db';
import { createRegistry } from '@vpcd/observability';
import { hasCode, Status } from '@vpcd/rpc';
import { migratedDatabase } from '../test-support.js';
import { migrations } from './migrations.js';
import { VniPool } from './vni-pool.js';

describe('migration 3 and the VNI pool', () => {
  const database = migratedDatabase({ migrated: false });
  let db: Database;
  before(() => {
    db = database.db;
  });

  it("keeps existing VPCs' VNIs and continues after the highest", async () => {
    // VPCs written before the pool, with VNIs from AUTO_INCREMENT (from 1000).
    await migrate(db, migrations.slice(0, 2));
    await db.execute("INSERT INTO projects (id, name) VALUES ('p', 'p')");
    for (const [id, first] of [
      ['v1', 0x0a000000],
      ['v2', 0x0a010000],
    ] as const) {
      await db.execute(
        "INSERT INTO vpcs (id, project_id, name, cidr, net_first, net_last) VALUES (?, 'p', ?, '10.0.0.0/24', ?, ?)",
        [id, id, first, first + 255],
      );
    }
    const before = await db.query<{ id: string; vni: number }>(
      'SELECT id, vni FROM vpcs ORDER BY id',
    );
    await migrate(db, migrations);
    const kept = await db.query<{ id: string; vni: number }>(
      'SELECT id, vni FROM vpcs ORDER BY id',
    );
    assert.deepEqual(kept, before);
    assert.deepEqual(
      kept.map((v) => v.vni),
      [1000, 1001],
    );

    const pool = new VniPool(1003, createRegistry({ service: 'test', collectDefault: false }));
    assert.equal(await db.transaction((tx) => pool.allocate(tx)), 1002);
    await db.execute("DELETE FROM vpcs WHERE id = 'v1'");
    await db.transaction((tx) => pool.release(tx, 1000));
    assert.equal(await db.transaction((tx) => pool.allocate(tx)), 1000);
    assert.equal(await db.transaction((tx) => pool.allocate(tx)), 1003);
    await assert.rejects(
      db.transaction((tx) => pool.allocate(tx)),
      (err: unknown) => hasCode(err, Status.RESOURCE_EXHAUSTED),
    );
    // A transaction that rolls back returns what it took.
    await db.execute("DELETE FROM vpcs WHERE id = 'v2'");
    await db.transaction((tx) => pool.release(tx, 1001));
    await assert.rejects(
      db.transaction(async (tx) => {
        await pool.allocate(tx);
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.equal(await db.transaction((tx) => pool.allocate(tx)), 1001);
  });
});
