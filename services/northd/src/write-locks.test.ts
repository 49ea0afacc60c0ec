// An interface write in VPC A locks rows of VPC A and its project's quota row only: it completes
// while another transaction holds another VPC's rows, a chassis' status row (as an ack does) or
// the lease rows (as a renewal does), on the very chassis A spans.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InterfaceStatus } from '@vpcd/api';
import { createDatabase, type Database, type Queryable } from '@vpcd/db';
import { createLogger, createRegistry } from '@vpcd/observability';
import { eventually, startHarness, type Harness } from './test-support.js';

describe('what an interface write locks', () => {
  let h: Harness;
  let locker: Database;
  let vpcA: string;
  let vpcB: string;

  before(async () => {
    h = await startHarness();
    locker = createDatabase({
      url: h.database.url,
      logger: createLogger({ name: 'locker', level: 'silent' }),
      registry: createRegistry({ service: 'locker', collectDefault: false }),
    });
    const api = h.admin;
    for (const [id, ip] of [
      ['hv-l1', '192.0.2.31'],
      ['hv-l2', '192.0.2.32'],
    ] as const) {
      await api.chassis.registerChassis({
        chassisId: id,
        hostname: id,
        underlayIp: ip,
        hvflowdAddr: `${id}:50053`,
        requestId: '',
      });
    }
    const project = await api.projects.createProject({ name: 'locks', requestId: '' });
    const vpc = (name: string, cidr: string) =>
      api.vpcs.createVpc({ name, cidr, projectId: project.id, requestId: '' });
    vpcA = (await vpc('a', '10.61.0.0/24')).id;
    vpcB = (await vpc('b', '10.62.0.0/24')).id;
    // Both VPCs span both chassis: the writes of one touch the states of the other's chassis.
    for (const vpcId of [vpcA, vpcB]) {
      for (const chassisId of ['hv-l1', 'hv-l2']) await create(vpcId, chassisId);
    }
    // Leases are claimed by the first renewal after registration.
    await eventually(
      () => locker.query('SELECT chassis_id FROM chassis_leases WHERE owner IS NOT NULL'),
      (rows) => rows.length === 2,
    );
  });
  after(async () => {
    await locker.close();
    await h.stop();
  });

  let n = 0;
  function create(vpcId: string, chassisId: string) {
    return h.admin.interfaces.createInterface({
      vpcId,
      chassisId,
      name: `i${n++}`,
      ip: '',
      mac: '',
      requestId: '',
    });
  }

  /**
   * Runs `lock` in a transaction of another connection and, while that holds its locks, a
   * create and a delete in VPC A; then ends the transaction. A write that needed those rows
   * would wait for them, past its lock timeout.
   */
  async function whileHeld(lock: (tx: Queryable) => Promise<unknown>): Promise<void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const isHeld = new Promise<void>((resolve) => (held = resolve));
    const holder = locker.transaction(async (tx) => {
      await lock(tx);
      held();
      await released;
    });
    await isHeld;
    try {
      const made = await create(vpcA, 'hv-l1');
      assert.equal(made.status, InterfaceStatus.INTERFACE_STATUS_PENDING);
      await h.admin.interfaces.deleteInterface({ id: made.id, requestId: '' });
    } finally {
      release();
      await holder;
    }
  }

  it("completes while another transaction holds VPC B's row and its vpc_chassis rows", async () => {
    await whileHeld(async (tx) => {
      await tx.query('SELECT id FROM vpcs WHERE id = ? FOR UPDATE', [vpcB]);
      const rows = await tx.query(
        'SELECT chassis_id FROM vpc_chassis WHERE vpc_id = ? FOR UPDATE',
        [vpcB],
      );
      assert.equal(rows.length, 2);
    });
  });

  it('completes while an ack holds the status row of a chassis the VPC spans', async () => {
    await whileHeld(async (tx) => {
      const { affectedRows } = await tx.execute(
        'UPDATE chassis_status SET applied_generation = applied_generation + 1 WHERE chassis_id IN (?)',
        [['hv-l1', 'hv-l2']],
      );
      assert.equal(affectedRows, 2);
    });
  });

  it('completes while a renewal holds every lease row', async () => {
    await whileHeld(async (tx) => {
      const { affectedRows } = await tx.execute(
        'UPDATE chassis_leases SET expires_at = expires_at + INTERVAL 1 SECOND WHERE owner IS NOT NULL',
      );
      assert.equal(affectedRows, 2);
    });
  });
});
