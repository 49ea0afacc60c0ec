import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InterfaceStatus } from '@vpcd/api';
import { createDatabase, migrate, type Database } from '@vpcd/db';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { parseCidr, type Cidr } from '../validation/ipv4.js';
import { SqlConvergeStore } from './converge-store.js';
import { interfaceStore } from './interfaces.js';
import { IpPool } from './ip-pool.js';
import { migrations } from './migrations.js';

// A database of the previous schema (migrations 1 to 6), written as the previous northd wrote
// it, is migrated by this one with nothing lost.
describe('upgrade from chassis rows holding leases, status and generations', () => {
  let database: TestDatabase;
  let db: Database;
  const registry = createRegistry({ service: 'test', collectDefault: false });

  before(async () => {
    database = await createTestDatabase();
    db = createDatabase({
      url: database.url,
      logger: createLogger({ name: 'test', level: 'silent' }),
      registry,
    });
  });
  after(async () => {
    await db?.close();
    await database?.drop();
  });

  it('keeps interfaces, free lists, leases and applied status; a chassis behind gets a full state', async () => {
    await migrate(db, migrations.slice(0, 6));
    const ips = new IpPool(registry);
    await db.execute("INSERT INTO projects (id, name) VALUES ('p', 'p')");
    await db.execute("INSERT INTO project_quotas (project_id) VALUES ('p')");
    const cidr = parseCidr('10.80.0.0/24') as Cidr;
    await db.execute(
      `INSERT INTO vpcs (id, project_id, name, cidr, net_first, net_last, vni)
       VALUES ('vpc', 'p', 'v', '10.80.0.0/24', ?, ?, 1)`,
      [cidr.first, cidr.last],
    );
    await db.transaction((tx) => ips.createFor(tx, 'vpc', cidr));
    // hv1 converged at generation 5 under northd-old's lease; hv2 acknowledged 6 of 7.
    await db.execute(
      `INSERT INTO chassis (id, hostname, underlay_ip, hvflowd_addr, owner, epoch, lease_expires_at,
         desired_generation, applied_generation, applied_epoch, state_hash, last_heartbeat_time,
         desired_traceparent, rejected_ports)
       VALUES ('hv1', 'hv1', '192.0.2.1', 'hv1:1', 'northd-old', 3, NOW(3) + INTERVAL 1 HOUR,
               5, 5, 3, 'h5', NOW(3), NULL, NULL),
              ('hv2', 'hv2', '192.0.2.2', 'hv2:1', 'northd-old', 4, NOW(3) + INTERVAL 1 HOUR,
               7, 6, 4, 'h6', NOW(3), NULL, NULL)`,
    );
    const interfaces = [
      ['i1', 'hv1', 4],
      ['i2', 'hv1', 5],
      ['i3', 'hv2', 6],
      ['i4', 'hv2', 7],
    ] as const;
    for (const [id, chassisId, generation] of interfaces) {
      await db.transaction(async (tx) => {
        const ip = await ips.allocate(tx, 'vpc', cidr);
        await tx.execute(
          `INSERT INTO interfaces (id, vpc_id, chassis_id, name, ip, mac, generation)
           VALUES (?, 'vpc', ?, ?, ?, ?, ?)`,
          [id, chassisId, id, ip, `02:00:00:00:00:0${id.slice(1)}`, generation],
        );
      });
    }
    const freeBefore = await db.query('SELECT * FROM vpc_ip_free ORDER BY vpc_id, first_ip');
    const interfacesBefore = await db.query('SELECT * FROM interfaces ORDER BY id');

    // A run of migration 7 cut off after its last statement, before it was recorded: the next
    // start runs it all again, then migration 8.
    for (const sql of migrations.find((m) => m.id === 7)!.statements) await db.execute(sql);
    const { applied } = await migrate(db, migrations);
    assert.deepEqual(applied, [7, 8]);

    assert.deepEqual(await db.query('SELECT * FROM interfaces ORDER BY id'), interfacesBefore);
    assert.deepEqual(
      await db.query('SELECT * FROM vpc_ip_free ORDER BY vpc_id, first_ip'),
      freeBefore,
    );
    const leases = await db.query<{
      chassis_id: string;
      owner: string;
      epoch: number;
      live: number;
    }>(
      'SELECT chassis_id, owner, epoch, expires_at > NOW(3) AS live FROM chassis_leases ORDER BY chassis_id',
    );
    assert.deepEqual(
      leases.map((l) => ({
        ...l,
        epoch: Number(l.epoch),
        live: Number((l as { live?: unknown }).live),
      })),
      [
        { chassis_id: 'hv1', owner: 'northd-old', epoch: 3, live: 1 },
        { chassis_id: 'hv2', owner: 'northd-old', epoch: 4, live: 1 },
      ],
    );
    const status = await db.query<Record<string, unknown>>(
      `SELECT chassis_id, applied_epoch, applied_generation, state_hash,
         last_heartbeat_time IS NOT NULL AS beat
       FROM chassis_status ORDER BY chassis_id`,
    );
    assert.deepEqual(
      status.map((s) => [
        s.chassis_id,
        Number(s.applied_epoch),
        Number(s.applied_generation),
        s.state_hash,
        Number(s.beat),
      ]),
      [
        ['hv1', 3, 5, 'h5', 1],
        ['hv2', 4, 6, 'h6', 1],
      ],
    );
    const members = await db.query<{ chassis_id: string; ports: number }>(
      'SELECT chassis_id, ports FROM vpc_chassis ORDER BY chassis_id',
    );
    assert.deepEqual(
      members.map((m) => [m.chassis_id, Number(m.ports)]),
      [
        ['hv1', 2],
        ['hv2', 2],
      ],
    );
    const [count] = await db.query<{ n: number }>(
      "SELECT interface_count AS n FROM vpcs WHERE id = 'vpc'",
    );
    assert.equal(Number(count!.n), 4);
    // One full state for the chassis behind, and its interface not applied stays PENDING.
    const changes = await db.query<{ chassis_id: string; interface_id: string | null }>(
      'SELECT chassis_id, interface_id FROM chassis_changes ORDER BY seq',
    );
    assert.deepEqual(
      changes.map((c) => [c.chassis_id, c.interface_id]),
      [
        ['hv2', null],
        ['hv2', 'i4'],
      ],
    );
    const statuses = await Promise.all(
      interfaces.map(async ([id]) => (await interfaceStore.get(db, id, undefined)).status),
    );
    const { INTERFACE_STATUS_ACTIVE: ACTIVE, INTERFACE_STATUS_PENDING: PENDING } = InterfaceStatus;
    assert.deepEqual(statuses, [ACTIVE, ACTIVE, ACTIVE, PENDING]);
    const columns = await db.query<{ Field: string }>('SHOW COLUMNS FROM chassis');
    assert.deepEqual(
      columns.map((c) => c.Field),
      ['id', 'hostname', 'underlay_ip', 'hvflowd_addr', 'create_time'],
    );

    // The state an owner sends hv1 holds everything it held, with its lease's epoch.
    const full = await new SqlConvergeStore(db).loadFull('hv1');
    assert.deepEqual(
      [
        full!.state.epoch,
        full!.state.ports.map((p) => p.interfaceId),
        full!.state.remotePorts.map((p) => p.interfaceId),
        full!.changes,
      ],
      [3, ['i1', 'i2'], ['i3', 'i4'], []],
    );
    assert.deepEqual((await migrate(db, migrations)).applied, [], 'nothing left to apply');
  });
});
