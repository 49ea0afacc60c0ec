import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { countQueries, createDatabase, isDbError, type Database } from '@vpcd/db';
import { createLogger, createRegistry } from '@vpcd/observability';
import { isRpcError, Status } from '@vpcd/rpc';
import { migratedDatabase } from '../test-support.js';
import { HeartbeatBatcher } from './heartbeat-batcher.js';

describe('HeartbeatBatcher', () => {
  const database = migratedDatabase();
  let db: Database;
  before(() => {
    db = database.db;
  });

  /** Chassis `<prefix>-<i>`, converged at revision and seq 3 with hash `h3` unless `hash` says. */
  async function fleet(prefix: string, size: number, hash = 'h3'): Promise<string[]> {
    const ids = Array.from({ length: size }, (_, i) => `${prefix}-${i}`);
    await db.execute('INSERT INTO chassis (id, hostname, underlay_ip, hvflowd_addr) VALUES ?', [
      ids.map((id) => [id, id, '192.0.2.1', `${id}:1`]),
    ]);
    await db.execute(
      `INSERT INTO chassis_status (chassis_id, applied_generation, applied_seq, state_hash)
       VALUES ?`,
      [ids.map((id) => [id, 3, 3, hash])],
    );
    return ids;
  }

  it('records a fleet beating at once in a few statements, not two a beat', async () => {
    const ids = await fleet('many', 300);
    const batcher = new HeartbeatBatcher(db);
    const { result, queries } = await countQueries(() =>
      Promise.all(
        ids.map((chassisId) =>
          batcher.record({ chassisId, appliedGeneration: 3, stateHash: 'h3' }),
        ),
      ),
    );
    assert.ok(
      result.every((a) => a.desiredGeneration === 3 && !a.drift),
      'every beat answered',
    );
    // The first beat goes alone; the others wait for it and go together.
    assert.ok(queries <= 4, `${queries} statements for ${ids.length} heartbeats`);
    const [row] = await db.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM chassis_status WHERE chassis_id LIKE 'many-%' AND last_heartbeat_time IS NOT NULL",
    );
    assert.equal(Number(row!.n), ids.length);
  });

  it('answers each beat of a batch on its own: unknown, drifting, first hash, steady', async () => {
    const [drifting, steady] = await fleet('mixed', 2);
    const [restarted] = await fleet('restarted', 1, '');
    const batcher = new HeartbeatBatcher(db);
    const answers = await Promise.allSettled([
      batcher.record({ chassisId: steady!, appliedGeneration: 3, stateHash: 'h3' }),
      batcher.record({ chassisId: 'never-registered', appliedGeneration: 1, stateHash: 'x' }),
      batcher.record({ chassisId: drifting!, appliedGeneration: 3, stateHash: 'changed' }),
      batcher.record({ chassisId: restarted!, appliedGeneration: 3, stateHash: 'rebuilt' }),
      batcher.record({ chassisId: steady!, appliedGeneration: 4, stateHash: 'of-gen-4' }),
    ]);
    const value = (i: number) => {
      const a = answers[i]!;
      assert.equal(a.status, 'fulfilled', `beat ${i}`);
      return a.value;
    };
    assert.deepEqual(value(0), { desiredGeneration: 3, drift: false });
    const missing = answers[1];
    assert.ok(missing.status === 'rejected' && isRpcError(missing.reason));
    assert.equal(missing.reason.code, Status.NOT_FOUND);
    const drift = value(2);
    assert.ok(drift.drift && drift.desiredGeneration >= 3, JSON.stringify(drift));
    assert.deepEqual(value(3), { desiredGeneration: 3, drift: false });
    assert.deepEqual(value(4), { desiredGeneration: 3, drift: false });
    const rows = await db.query<{ id: string; state_hash: string; full: number }>(
      `SELECT s.chassis_id AS id, s.state_hash, (SELECT COUNT(*) FROM chassis_changes x
         WHERE x.chassis_id = s.chassis_id AND x.vpc_id IS NULL AND x.interface_id IS NULL) AS full
       FROM chassis_status s WHERE s.chassis_id IN (?) ORDER BY s.chassis_id`,
      [[drifting, steady, restarted]],
    );
    // The drifting chassis gets one full state asked for; the hash of the rebuilt bridge counts.
    assert.deepEqual(
      rows.map((r) => [r.id, r.state_hash, Number(r.full)]),
      [
        [drifting, 'h3', 1],
        [steady, 'h3', 0],
        [restarted, 'rebuilt', 0],
      ],
    );
    const again = await batcher.record({
      chassisId: drifting!,
      appliedGeneration: 3,
      stateHash: 'changed',
    });
    assert.deepEqual(again, drift, 'no second full state while one is pending');
  });

  it('measures drift of a restarted agent from the initial sync it applied (revision 0)', async () => {
    const [restarted] = await fleet('resynced', 1, '');
    const batcher = new HeartbeatBatcher(db);
    const first = await batcher.record({
      chassisId: restarted!,
      appliedGeneration: 0,
      stateHash: 'fresh',
    });
    assert.deepEqual(first, { desiredGeneration: 3, drift: false });
    const changed = await batcher.record({
      chassisId: restarted!,
      appliedGeneration: 0,
      stateHash: 'tampered',
    });
    assert.equal(changed.drift, true);
  });

  it('fails every beat of a batch when the database fails, and answers the beats after it', async () => {
    const broken = createDatabase({
      url: database.url.replace(/\/[^/?]*(\?|$)/, '/no_such_database$1'),
      logger: createLogger({ name: 'test', level: 'silent' }),
      registry: createRegistry({ service: 'test', collectDefault: false }),
    });
    try {
      const batcher = new HeartbeatBatcher(broken);
      const beat = () =>
        batcher.record({ chassisId: 'any', appliedGeneration: 3, stateHash: 'h3' });
      const first = await Promise.allSettled([beat(), beat(), beat()]);
      assert.ok(first.every((s) => s.status === 'rejected' && isDbError(s.reason)));
      const later = await Promise.allSettled([beat()]);
      assert.ok(later[0].status === 'rejected' && isDbError(later[0].reason));
    } finally {
      await broken.close();
    }
  });
});
