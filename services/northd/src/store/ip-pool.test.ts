import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createDatabase, migrate, type Database, type Queryable } from '@vpcd/db';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { hasCode, Status } from '@vpcd/rpc';
import { metricValue } from '@vpcd/observability/testing';
import type { Registry } from 'prom-client';
import { formatIpv4, parseCidr, parseIpv4, type Cidr } from '../validation/ipv4.js';
import { interfaceStore, type InterfaceLimits } from './interfaces.js';
import { IpPool } from './ip-pool.js';
import { migrations } from './migrations.js';
import { QuotaStore } from './quotas.js';
import { VniPool } from './vni-pool.js';
import { vpcStore } from './vpcs.js';

const quotas = new QuotaStore({
  maxVpcs: 100,
  maxInterfacesPerVpc: 10_000,
  maxInterfaces: 100_000,
});
const ip = (text: string) => parseIpv4(text)!;

/** The VPC's free ranges as text, lowest first. */
async function freeRanges(db: Queryable, vpcId: string): Promise<string[]> {
  const rows = await db.query<{ first_ip: number; last_ip: number }>(
    'SELECT first_ip, last_ip FROM vpc_ip_free WHERE vpc_id = ? AND first_ip > 0 ORDER BY first_ip',
    [vpcId],
  );
  return rows.map((r) => `${formatIpv4(Number(r.first_ip))}-${formatIpv4(Number(r.last_ip))}`);
}

/** Sum of the session's Handler_read_* counters: index and table rows the server read. */
async function rowsRead(tx: Queryable): Promise<number> {
  const rows = await tx.query<{ Value: string }>("SHOW SESSION STATUS LIKE 'Handler_read%'");
  return rows.reduce((sum, r) => sum + Number(r.Value), 0);
}

describe('IPAM from per-VPC free ranges', () => {
  let database: TestDatabase;
  let registry: Registry;
  let ips: IpPool;
  let limits: InterfaceLimits;
  // Two pools, as two northd processes have.
  let north1: Database;
  let north2: Database;
  let projectId: string;
  let vpcCount = 0;

  const open = () =>
    createDatabase({
      url: database.url,
      logger: createLogger({ name: 'test', level: 'silent' }),
      registry: createRegistry({ service: 'test', collectDefault: false }),
    });

  before(async () => {
    database = await createTestDatabase();
    north1 = open();
    north2 = open();
    await migrate(north1, migrations);
    registry = createRegistry({ service: 'test', collectDefault: false });
    ips = new IpPool(registry);
    limits = { ips, quotas, chassisMaxStatePorts: 100_000 };
    projectId = randomUUID();
    await north1.execute("INSERT INTO projects (id, name) VALUES (?, 'p')", [projectId]);
    await north1.transaction((tx) => quotas.createFor(tx, projectId));
    await north1.execute(
      "INSERT INTO chassis (id, hostname, underlay_ip, hvflowd_addr) VALUES ('hv1', 'hv1', '192.0.2.1', 'hv1:1')",
    );
  });
  after(async () => {
    await north1?.close();
    await north2?.close();
    await database?.drop();
  });

  const vnis = () => new VniPool(1000, createRegistry({ service: 'test', collectDefault: false }));
  async function newVpc(cidrText: string): Promise<{ id: string; cidr: Cidr }> {
    const cidr = parseCidr(cidrText) as Cidr;
    const name = `v${vpcCount++}`;
    const vpc = await north1.transaction((tx) =>
      vpcStore.create(
        tx,
        { id: randomUUID(), projectId, name, cidr },
        { vnis: vnis(), ips, quotas },
      ),
    );
    return { id: vpc.id, cidr };
  }
  const create = (db: Database, vpcId: string, fields: { ip?: string; name?: string } = {}) =>
    db.transaction((tx) =>
      interfaceStore.create(
        tx,
        {
          id: randomUUID(),
          vpcId,
          chassisId: 'hv1',
          name: fields.name ?? `n-${randomUUID().slice(0, 8)}`,
          ip: fields.ip === undefined ? undefined : ip(fields.ip),
          mac: undefined,
        },
        undefined,
        limits,
      ),
    );
  const remove = (db: Database, id: string) =>
    db.transaction((tx) => interfaceStore.delete(tx, id, undefined, ips));

  it('hands out the lowest free host address, reuses freed ones, never network, gateway or broadcast', async () => {
    const vpc = await newVpc('10.60.0.0/28');
    assert.deepEqual(await freeRanges(north1, vpc.id), ['10.60.0.2-10.60.0.14']);
    const made = [];
    for (let i = 0; i < 13; i++) made.push(await create(north1, vpc.id));
    assert.deepEqual(
      made.map((m) => m.ip),
      Array.from({ length: 13 }, (_, i) => `10.60.0.${i + 2}`),
    );
    await assert.rejects(create(north1, vpc.id), (err) => hasCode(err, Status.RESOURCE_EXHAUSTED));

    // Freed addresses come back, lowest first, and neighbours merge into one range.
    for (const i of [7, 3, 12, 8]) await remove(north1, made[i]!.id);
    assert.deepEqual(await freeRanges(north1, vpc.id), [
      '10.60.0.5-10.60.0.5',
      '10.60.0.9-10.60.0.10',
      '10.60.0.14-10.60.0.14',
    ]);
    assert.equal((await create(north1, vpc.id, { ip: '10.60.0.10' })).ip, '10.60.0.10');
    assert.deepEqual(
      [(await create(north1, vpc.id)).ip, (await create(north1, vpc.id)).ip],
      ['10.60.0.5', '10.60.0.9'],
    );
    const last = await create(north1, vpc.id);
    assert.equal(last.ip, '10.60.0.14');
    await assert.rejects(create(north1, vpc.id), (err) => hasCode(err, Status.RESOURCE_EXHAUSTED));
    assert.equal(
      await metricValue(registry, 'northd_ip_allocations_total', { result: 'exhausted' }),
      2,
    );
    assert.equal(
      await metricValue(registry, 'northd_ip_free_list_rebuilds_total', { reason: 'missing' }),
      0,
      'a full VPC is refused without reading its interfaces',
    );
  });

  it('carves a requested address out of the middle of a range and gives it back whole', async () => {
    const vpc = await newVpc('10.61.0.0/24');
    const chosen = await create(north1, vpc.id, { ip: '10.61.0.100' });
    assert.deepEqual(await freeRanges(north1, vpc.id), [
      '10.61.0.2-10.61.0.99',
      '10.61.0.101-10.61.0.254',
    ]);
    await assert.rejects(create(north1, vpc.id, { ip: '10.61.0.100' }), (err) =>
      hasCode(err, Status.ALREADY_EXISTS),
    );
    await remove(north1, chosen.id);
    assert.deepEqual(await freeRanges(north1, vpc.id), ['10.61.0.2-10.61.0.254']);
  });

  it('never hands out one address twice to parallel transactions of two northd', async () => {
    const vpc = await newVpc('10.62.0.0/24');
    const first = await Promise.all(
      Array.from({ length: 20 }, (_, i) => create(i % 2 ? north1 : north2, vpc.id)),
    );
    // Deletes and creates at once, through both pools.
    const work: Promise<unknown>[] = [];
    for (const [i, m] of first.slice(0, 10).entries()) {
      work.push(remove(i % 2 ? north2 : north1, m.id));
    }
    for (let i = 0; i < 30; i++) work.push(create(i % 2 ? north1 : north2, vpc.id));
    await Promise.all(work);
    const held = await north1.query<{ ip: number }>(
      'SELECT ip FROM interfaces WHERE vpc_id = ? ORDER BY ip',
      [vpc.id],
    );
    assert.equal(held.length, 40);
    assert.equal(new Set(held.map((r) => r.ip)).size, 40, 'no address twice');
    // Free list and interfaces partition the host range exactly: nothing lost, nothing twice.
    const free = await north1.query<{ first_ip: number; last_ip: number }>(
      'SELECT first_ip, last_ip FROM vpc_ip_free WHERE vpc_id = ? AND first_ip > 0',
      [vpc.id],
    );
    const freeCount = free.reduce((n, r) => n + Number(r.last_ip) - Number(r.first_ip) + 1, 0);
    assert.equal(freeCount + held.length, 253);
    for (const r of held) {
      assert.ok(
        !free.some((f) => Number(f.first_ip) <= r.ip && r.ip <= Number(f.last_ip)),
        `${formatIpv4(r.ip)} is held and free`,
      );
    }
  });

  it('examines as many rows in a VPC of 2,000 interfaces as in one of 50', async () => {
    const read: Record<number, { allocate: number; release: number }> = {};
    for (const [size, cidrText] of [
      [50, '10.63.0.0/16'],
      [2000, '10.64.0.0/16'],
    ] as const) {
      const vpc = await newVpc(cidrText);
      // Rows written straight into the table, then the free list built from them (as
      // migration 6 does for existing VPCs).
      const rows = Array.from({ length: size }, (_, i) => [
        randomUUID(),
        vpc.id,
        'hv1',
        `bulk-${i}`,
        vpc.cidr.first + 2 + i,
        `02:63:00:00:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`,
        1,
      ]);
      await north1.query(
        'INSERT INTO interfaces (id, vpc_id, chassis_id, name, ip, mac, generation) VALUES ?',
        [rows],
      );
      await north1.transaction((tx) => ips.rebuild(tx, vpc.id, vpc.cidr, 'stale'));
      await north1.execute('ANALYZE TABLE interfaces, vpc_ip_free');
      read[size] = await north1.transaction(async (tx) => {
        await tx.query('SELECT id FROM vpcs WHERE id = ? FOR UPDATE', [vpc.id]);
        const start = await rowsRead(tx);
        const taken = await ips.allocate(tx, vpc.id, vpc.cidr);
        const allocated = await rowsRead(tx);
        await ips.release(tx, vpc.id, vpc.cidr, taken);
        const released = await rowsRead(tx);
        // SHOW STATUS reads rows of its own; measured once with nothing between.
        const idle = (await rowsRead(tx)) - released;
        assert.equal(formatIpv4(taken), formatIpv4(vpc.cidr.first + 2 + size));
        return { allocate: allocated - start - idle, release: released - allocated - idle };
      });
    }
    assert.deepEqual(read[2000], read[50], JSON.stringify(read));
    assert.ok(read[2000]!.allocate <= 4 && read[2000]!.release <= 8, JSON.stringify(read));
  });

  it('builds again a free list that rows written around the API made wrong', async () => {
    const vpc = await newVpc('10.65.0.0/24');
    const stale = () =>
      metricValue(registry, 'northd_ip_free_list_rebuilds_total', { reason: 'stale' });
    const before = (await stale()) ?? 0;
    await north1.execute(
      `INSERT INTO interfaces (id, vpc_id, chassis_id, name, ip, mac, generation)
       VALUES (?, ?, 'hv1', 'by-hand', ?, '02:65:00:00:00:01', 1)`,
      [randomUUID(), vpc.id, ip('10.65.0.2')],
    );
    assert.equal((await create(north1, vpc.id)).ip, '10.65.0.3');
    assert.equal(await stale(), before + 1);
    assert.deepEqual(await freeRanges(north1, vpc.id), ['10.65.0.4-10.65.0.254']);

    // A VPC written around the API has no free list at all: built at its first allocation.
    const missing = () =>
      metricValue(registry, 'northd_ip_free_list_rebuilds_total', { reason: 'missing' });
    const missingBefore = (await missing()) ?? 0;
    await north1.execute('DELETE FROM vpc_ip_free WHERE vpc_id = ?', [vpc.id]);
    assert.equal((await create(north1, vpc.id)).ip, '10.65.0.4');
    assert.equal(await missing(), missingBefore + 1);
    assert.deepEqual(await freeRanges(north1, vpc.id), ['10.65.0.5-10.65.0.254']);
  });
});
