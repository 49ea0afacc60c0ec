// Work of one kind that fills its connection pool makes only its own kind wait: API writes queued
// on a VPC's row lock hold back neither API reads, nor heartbeats, nor lease renewals.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDatabase, type Database } from '@vpcd/db';
import { createLogger, createRegistry } from '@vpcd/observability';
import { metricValue } from '@vpcd/observability/testing';
import { poolSizes } from './db-pools.js';
import { eventually, startHarness, type Harness } from './test-support.js';

describe('connection pools per kind of work', () => {
  let h: Harness;
  let locker: Database;

  before(async () => {
    h = await startHarness();
    locker = createDatabase({
      url: h.database.url,
      logger: createLogger({ name: 'locker', level: 'silent' }),
      registry: createRegistry({ service: 'locker', collectDefault: false }),
    });
  });
  after(async () => {
    await locker.close();
    await h.stop();
  });

  it('answers reads, heartbeats and renews leases while every API write waits on a row lock', async () => {
    const api = h.admin;
    const project = await api.projects.createProject({ name: 'bulkheads', requestId: '' });
    const vpc = await api.vpcs.createVpc({
      name: 'locked',
      cidr: '10.90.0.0/16',
      projectId: project.id,
      requestId: '',
    });
    await api.chassis.registerChassis({
      chassisId: 'hv-bulk',
      hostname: 'hv-bulk',
      underlayIp: '192.0.2.90',
      hvflowdAddr: 'hv-bulk:50053',
      requestId: '',
    });
    const iface = await api.interfaces.createInterface({
      vpcId: vpc.id,
      chassisId: 'hv-bulk',
      name: 'before',
      ip: '',
      mac: '',
      requestId: '',
    });

    // Another client holds the VPC's row lock, which every interface create in it takes first.
    let unlock!: () => void;
    const unlocked = new Promise<void>((resolve) => (unlock = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = locker.transaction(async (tx) => {
      await tx.query('SELECT id FROM vpcs WHERE id = ? FOR UPDATE', [vpc.id]);
      locked();
      await unlocked;
    });
    await isLocked;

    // More creates than the write pool has connections: every one is taken, and more wait.
    const settled = new Set<number>();
    const creates = Array.from({ length: poolSizes.writes + 4 }, (_, i) =>
      api.interfaces
        .createInterface(
          {
            vpcId: vpc.id,
            chassisId: 'hv-bulk',
            name: `queued-${i}`,
            ip: '',
            mac: '',
            requestId: '',
          },
          { deadlineMs: 60_000 },
        )
        .finally(() => settled.add(i)),
    );
    try {
      const renewals = () =>
        metricValue(h.deps.registry, 'northd_lease_renewals_total', { outcome: 'ok' });
      const renewedBefore = (await renewals()) ?? 0;
      const quick = { deadlineMs: 5000 };
      const read = await api.interfaces.getInterface({ id: iface.id }, quick);
      assert.equal(read.name, 'before');
      assert.equal((await api.vpcs.getVpc({ id: vpc.id }, quick)).name, 'locked');
      const listed = await api.interfaces.listInterfaces(
        { vpcId: vpc.id, chassisId: '', pageSize: 0, pageToken: '' },
        quick,
      );
      assert.deepEqual(
        listed.interfaces.map((i) => i.name),
        ['before'],
      );
      const beat = await api.chassis.heartbeat(
        {
          chassisId: 'hv-bulk',
          appliedGeneration: 0,
          stateHash: '',
          appliedEpoch: 0,
          contentHash: '',
        },
        quick,
      );
      assert.ok(beat.desiredGeneration >= iface.generation);
      const renewedDuring = await eventually(renewals, (n) => (n ?? 0) > renewedBefore, 10_000);
      assert.ok((renewedDuring ?? 0) > renewedBefore, 'a lease renewal ran meanwhile');
      assert.equal(settled.size, 0, 'the writes were still waiting on the lock');
    } finally {
      unlock();
      await holder;
      await Promise.allSettled(creates);
    }
    const created = await Promise.all(creates);
    assert.equal(new Set(created.map((c) => c.ip)).size, created.length, 'one address each');
  });
});
