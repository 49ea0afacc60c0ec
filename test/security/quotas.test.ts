// Issue 14, item 4: quotas and limits. Per-project quotas hold on real northd instances sharing
// one MariaDB, also under concurrent creates; the per-chassis limit keeps every state within
// what the transport carries (a state at the limit travels northd -> RabbitMQ -> southd ->
// hvflowd; one interface more is refused at the API); a state refused for good is dead-lettered,
// counted and not sent again.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  ChassisState,
  convergeHeaders,
  convergeTopology,
  InterfaceStatus,
  maxChassisStateBytes,
  maxChassisStatePorts,
  maxStateHeaderBytes,
  messageTypes,
  queues,
  stateFieldMaxChars,
} from '@vpcd/api';
import type { Hvflowd } from '@vpcd/hvflowd';
import { createBroker, type Broker } from '@vpcd/messaging';
import { testBusKey } from '@vpcd/messaging/testing';
import { createLogger, createRegistry, type Registry } from '@vpcd/observability';
import { hasCode, Status } from '@vpcd/rpc';
import { createConnection, type Connection } from 'mysql2/promise';
import {
  adminToken,
  eventually,
  metricValue,
  startStack,
  type Clients,
  type Stack,
} from './stack.js';

const refusedWith = (code: Status, pattern: RegExp) => (err: unknown) =>
  hasCode(err, code) && pattern.test((err as Error).message);

/** A project with a token of its own; returns its id and its tenant's clients on each northd. */
async function newProject(stack: Stack, admin: Clients, name: string) {
  const project = await admin.projects.createProject({ name, requestId: '' });
  const { token } = await admin.projects.createToken({ projectId: project.id, requestId: '' });
  return {
    id: project.id,
    tenant: stack.northds.map((_, i) => stack.clients(token, i)),
  };
}

// One region for the whole file: two northd on one database, a southd, and an hvflowd per
// chassis as each part needs it. Projects are the unit of isolation between the tests.
let stack: Stack;
let admin: Clients;
let southd: { registry: Registry };
let db: Connection;
let broker: Broker; // reads the dead-letter queue
const deadLettered: ChassisState[] = [];

before(async () => {
  stack = await startStack({
    QUOTA_DEFAULT_VPCS: '2',
    QUOTA_DEFAULT_INTERFACES_PER_VPC: '3',
    QUOTA_DEFAULT_INTERFACES: '4',
  });
  await stack.startNorthd();
  admin = stack.clients(adminToken);
  southd = await stack.startSouthd();
  db = await createConnection({ uri: stack.database.url });
  broker = createBroker({
    url: stack.vhost.url,
    logger: createLogger({ name: 'test', level: 'silent' }),
    registry: createRegistry({ service: 'test', collectDefault: false }),
    // Plays northd: southd takes only states signed with the bus key.
    signingKeys: testBusKey.signingKeys,
  });
  await broker.start(convergeTopology);
  await broker.consume(queues.convergeDeadLetterQueue, (d) => {
    deadLettered.push(ChassisState.decode(d.body));
    return Promise.resolve('ack');
  });
});
after(async () => {
  await broker?.close();
  await db?.end();
  await stack?.stop();
});

/** A series summed over every northd of the stack. */
async function northdMetric(series: string): Promise<number> {
  let sum = 0;
  for (const n of stack.northds) sum += await metricValue(n.registry, series);
  return sum;
}

/** One converge pass on every northd: the chassis they found due, together. */
async function passEverywhere(): Promise<number> {
  let attempted = 0;
  for (const n of stack.northds) attempted += (await n.northd.converge.pass()).attempted;
  return attempted;
}

/** Waits until no chassis is behind but those whose desired generation is refused. */
async function settled(): Promise<void> {
  await eventually('every chassis caught up or refused', async () => {
    const [rows] = await db.query(
      `SELECT COUNT(*) AS n FROM (SELECT x.chassis_id FROM chassis_changes x
         LEFT JOIN chassis_status s ON s.chassis_id = x.chassis_id
         GROUP BY x.chassis_id HAVING MAX(x.seq) > COALESCE(MAX(s.refused_seq), 0)) behind`,
    );
    return Number((rows as Array<{ n: number }>)[0]!.n) === 0 ? true : undefined;
  });
}

describe('project quotas', () => {
  const chassisId = 'hv-quota-1';

  before(async () => {
    await (
      await stack.startHvflowd(chassisId, '192.0.2.10')
    ).synced;
  });

  const vpc = (c: Clients, name: string, cidr: string) =>
    c.vpcs.createVpc({ name, cidr, projectId: '', requestId: '' });
  const iface = (c: Clients, vpcId: string, name: string) =>
    c.interfaces.createInterface({ vpcId, chassisId, name, ip: '', mac: '', requestId: '' });

  it('refuses a VPC past the default max_vpcs with RESOURCE_EXHAUSTED, until an admin raises it', async () => {
    const { id, tenant } = await newProject(stack, admin, 'quota-vpcs');
    const [t] = tenant as [Clients];
    await vpc(t, 'a', '10.1.0.0/24');
    await vpc(t, 'b', '10.2.0.0/24');
    await assert.rejects(
      vpc(t, 'c', '10.3.0.0/24'),
      refusedWith(Status.RESOURCE_EXHAUSTED, /quota max_vpcs .* at most 2 VPCs/),
    );
    const before = await admin.projects.getProjectQuota({ projectId: id });
    assert.deepEqual(
      [before.maxVpcs, before.maxInterfacesPerVpc, before.maxInterfaces, before.vpcs],
      [2, 3, 4, 2],
    );
    const raised = await admin.projects.updateProjectQuota({
      projectId: id,
      maxVpcs: 3,
      requestId: '',
    });
    assert.deepEqual([raised.maxVpcs, raised.maxInterfacesPerVpc, raised.maxInterfaces], [3, 3, 4]);
    await vpc(t, 'c', '10.3.0.0/24');
    await assert.rejects(
      vpc(t, 'd', '10.4.0.0/24'),
      refusedWith(Status.RESOURCE_EXHAUSTED, /max_vpcs/),
    );
  });

  it('refuses interfaces past max_interfaces_per_vpc and max_interfaces; a delete makes room', async () => {
    const { tenant } = await newProject(stack, admin, 'quota-interfaces');
    const [t] = tenant as [Clients];
    const a = await vpc(t, 'a', '10.1.0.0/24');
    const b = await vpc(t, 'b', '10.2.0.0/24');
    const inA = [];
    for (const name of ['a1', 'a2', 'a3']) inA.push(await iface(t, a.id, name));
    await assert.rejects(
      iface(t, a.id, 'a4'),
      refusedWith(
        Status.RESOURCE_EXHAUSTED,
        /quota max_interfaces_per_vpc .* at most 3 interfaces in vpc/,
      ),
    );
    await iface(t, b.id, 'b1');
    await assert.rejects(
      iface(t, b.id, 'b2'),
      refusedWith(
        Status.RESOURCE_EXHAUSTED,
        /quota max_interfaces of project .* at most 4 interfaces$/,
      ),
    );
    await t.interfaces.deleteInterface({ id: inA[0]!.id, requestId: '' });
    await iface(t, b.id, 'b2');
  });

  it('lets only an admin read or change quotas: a project token is PERMISSION_DENIED', async () => {
    const { id, tenant } = await newProject(stack, admin, 'quota-tenant');
    const [t] = tenant as [Clients];
    await assert.rejects(t.projects.getProjectQuota({ projectId: id }), (err) =>
      hasCode(err, Status.PERMISSION_DENIED),
    );
    await assert.rejects(
      t.projects.updateProjectQuota({ projectId: id, maxVpcs: 1000, requestId: '' }),
      (err) => hasCode(err, Status.PERMISSION_DENIED),
    );
    assert.equal((await admin.projects.getProjectQuota({ projectId: id })).maxVpcs, 2);
  });

  it('lets no burst of concurrent creates through two northd pass a quota together', async () => {
    const { id, tenant } = await newProject(stack, admin, 'quota-race');
    await admin.projects.updateProjectQuota({
      projectId: id,
      maxVpcs: 3,
      maxInterfacesPerVpc: 100,
      maxInterfaces: 5,
      requestId: '',
    });
    const via = (i: number) => tenant[i % tenant.length]!;
    const vpcs = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => vpc(via(i), `v${i}`, `10.${i}.0.0/24`)),
    );
    const createdVpcs = vpcs.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    assert.equal(createdVpcs.length, 3);
    for (const r of vpcs) {
      if (r.status === 'rejected')
        assert.ok(hasCode(r.reason, Status.RESOURCE_EXHAUSTED), String(r.reason));
    }
    // Different VPCs: their own row locks do not serialise these; only the quota row does.
    const interfaces = await Promise.allSettled(
      Array.from({ length: 15 }, (_, i) => iface(via(i), createdVpcs[i % 3]!.id, `i${i}`)),
    );
    const made = interfaces.filter((r) => r.status === 'fulfilled').length;
    assert.equal(made, 5);
    for (const r of interfaces) {
      if (r.status === 'rejected')
        assert.ok(hasCode(r.reason, Status.RESOURCE_EXHAUSTED), String(r.reason));
    }
    const quota = await admin.projects.getProjectQuota({ projectId: id });
    assert.deepEqual([quota.vpcs, quota.interfaces], [3, 5]);
  });
});

describe('the per-chassis limit', () => {
  // A chassis id and names as long as validation allows, so that each port costs what the
  // bound assumes (or nearly: northd's VNIs and CIDRs are shorter than the widest).
  const chassisId = 'hv-limit-'.padEnd(stateFieldMaxChars.label, '0');

  before(async () => {
    await (
      await stack.startHvflowd(chassisId, '192.168.100.101')
    ).synced;
  });

  it('derives the bound from the worst-case port: such a state at the limit fits the transport', () => {
    const f = stateFieldMaxChars;
    const text = (n: number, c = 'x') => c.repeat(n);
    const worst: ChassisState = {
      chassisId: text(f.label),
      epoch: Number.MAX_SAFE_INTEGER,
      generation: Number.MAX_SAFE_INTEGER,
      changes: [],
      vpcs: [],
      ports: [],
      remotePorts: [],
    };
    for (let i = 0; i < maxChassisStatePorts; i++) {
      const id = String(i).padStart(f.id, 'i');
      worst.ports.push({
        interfaceId: id,
        vpcId: id,
        name: text(f.label),
        ip: text(f.ipv4),
        mac: text(f.mac),
      });
      worst.vpcs.push({ vpcId: id, vni: 0xffffff, cidr: text(f.cidr), gatewayIp: text(f.ipv4) });
    }
    const bytes = ChassisState.encode(worst).finish().length;
    assert.ok(bytes <= maxChassisStateBytes, `${bytes} > ${maxChassisStateBytes}`);
    assert.ok(maxStateHeaderBytes < 128);
    assert.ok(maxChassisStatePorts > 10_000, `${maxChassisStatePorts} ports only`);
  });

  it('carries a state at the limit end to end, refuses one interface more at the API, and never sends a state over it', async () => {
    const { id: projectId, tenant } = await newProject(stack, admin, 'limit');
    const [t] = tenant as [Clients];
    await admin.projects.updateProjectQuota({
      projectId,
      maxVpcs: maxChassisStatePorts + 2000,
      maxInterfacesPerVpc: 100,
      maxInterfaces: maxChassisStatePorts + 2000,
      requestId: '',
    });
    // limit - 1 interfaces, each in a VPC of its own (its port and its VPC's entry: the larger
    // kind of port), written straight to the database: the API would take minutes.
    const vpcIds = await insertPorts(db, projectId, chassisId, 0, maxChassisStatePorts - 1);
    const last = await t.interfaces.createInterface({
      vpcId: vpcIds[0]!,
      chassisId,
      name: 'last-'.padEnd(stateFieldMaxChars.label, 'x'),
      ip: '',
      mac: '',
      requestId: '',
    });
    const active = await eventually(
      'the interface that fills the chassis to become ACTIVE',
      async () => {
        const got = await t.interfaces.getInterface({ id: last.id });
        return got.status === InterfaceStatus.INTERFACE_STATUS_ACTIVE ? got : undefined;
      },
      90_000,
    );
    assert.equal(active.chassisId, chassisId);
    // What was carried is near the transport's limit: the bound leaves little unused.
    const { state } = await admin.chassis.syncInitialChassis({ chassisId });
    assert.equal(state!.ports.length, maxChassisStatePorts);
    const bytes = ChassisState.encode(state!).finish().length;
    assert.ok(bytes > 0.95 * maxChassisStateBytes, `${bytes} bytes only`);
    assert.ok(bytes <= maxChassisStateBytes);
    assert.equal(
      await metricValue(southd.registry, 'southd_dead_lettered_total{reason="too_large"}'),
      0,
    );

    await assert.rejects(
      t.interfaces.createInterface({
        vpcId: vpcIds[1]!,
        chassisId,
        name: 'one-more',
        ip: '',
        mac: '',
        requestId: '',
      }),
      refusedWith(
        Status.RESOURCE_EXHAUSTED,
        new RegExp(`chassis ${chassisId} would hold ${maxChassisStatePorts + 1} ports`),
      ),
    );

    // Rows that bypassed the API take the state past the transport limit: northd does not
    // publish it, counts it and marks the generation refused.
    await insertPorts(db, projectId, chassisId, maxChassisStatePorts, 1000);
    // A full state asked for, as northd's requestFullStates does (this is a plain connection).
    await db.query('INSERT INTO chassis_changes (chassis_id) VALUES (?)', [chassisId]);
    for (const n of stack.northds) n.northd.converge.wake();
    await eventually('northd to refuse the oversized state', async () =>
      (await northdMetric('northd_converge_refused_total{reason="too_large"}')) === 1
        ? true
        : undefined,
    );
    const [rows] = await db.query(
      `SELECT s.refused_seq, s.refused_reason,
         (SELECT MAX(seq) FROM chassis_changes x WHERE x.chassis_id = s.chassis_id) AS pending_seq
       FROM chassis_status s WHERE s.chassis_id = ?`,
      [chassisId],
    );
    const [row] = rows as Array<{
      refused_seq: number;
      refused_reason: string;
      pending_seq: number;
    }>;
    assert.equal(Number(row!.refused_seq), Number(row!.pending_seq));
    assert.match(row!.refused_reason, /^too_large/);
    await settled();
    assert.equal(await passEverywhere(), 0);
    assert.equal(
      await metricValue(southd.registry, 'southd_dead_lettered_total{reason="too_large"}'),
      0,
    );
  });
});

/**
 * Writes `count` VPCs of `projectId` with one interface each on `chassisId`, numbered from
 * `from`, with the longest names and addresses the API allows; returns the VPC ids.
 */
async function insertPorts(
  db: Connection,
  projectId: string,
  chassisId: string,
  from: number,
  count: number,
): Promise<string[]> {
  const ids: string[] = [];
  const batch = 2000;
  for (let start = from; start < from + count; start += batch) {
    const vpcs: unknown[][] = [];
    const interfaces: unknown[][] = [];
    for (let i = start; i < Math.min(from + count, start + batch); i++) {
      const vpcId = randomUUID();
      ids.push(vpcId);
      // 192.168.0.0/16; host 192.168.x.y with three-digit x and y: the longest dotted quad.
      const ip = (192 << 24) + (168 << 16) + ((100 + Math.floor(i / 150)) << 8) + (100 + (i % 150));
      const mac = `02:${[(i >> 16) & 255, (i >> 8) & 255, i & 255, 0, 1].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
      // VNIs from the top of the pool's range, which the pool hands out last.
      const vni = 0xffffff - i;
      vpcs.push([
        vpcId,
        projectId,
        `v${i}`,
        '192.168.0.0/16',
        0xc0a80000 >>> 0,
        0xc0a8ffff >>> 0,
        vni,
      ]);
      interfaces.push([
        randomUUID(),
        vpcId,
        chassisId,
        `p${i}-`.padEnd(stateFieldMaxChars.label, 'x'),
        ip >>> 0,
        mac,
        1,
      ]);
    }
    // Each VPC with its one interface counted, as the API keeps the counters.
    await db.query(
      `INSERT INTO vpcs (id, project_id, name, cidr, net_first, net_last, vni, interface_count)
       VALUES ?`,
      [vpcs.map((v) => [...v, 1])],
    );
    await db.query(
      'INSERT INTO interfaces (id, vpc_id, chassis_id, name, ip, mac, generation) VALUES ?',
      [interfaces],
    );
    await db.query('INSERT INTO vpc_chassis (vpc_id, chassis_id, ports) VALUES ?', [
      vpcs.map((v) => [v[0], chassisId, 1]),
    ]);
  }
  return ids;
}

describe('states refused for good', () => {
  const chassisId = 'hv-refuse-1';
  let hvflowd: Hvflowd;

  before(async () => {
    hvflowd = await stack.startHvflowd(chassisId, '192.0.2.31');
    await hvflowd.synced;
  });

  const deadLetteredFor = (reason: string) =>
    metricValue(southd.registry, `southd_dead_lettered_total{reason="${reason}"}`);

  it('dead-letters a state hvflowd refuses (INVALID_ARGUMENT), counts it, and does not send that generation again', async () => {
    // A chassis whose hvflowd_addr names another chassis' hvflowd: that hvflowd refuses every
    // state of it, whatever the number of tries.
    const invalidBefore = await deadLetteredFor('invalid');
    await admin.chassis.registerChassis({
      chassisId: 'hv-misplaced',
      hostname: 'hv-misplaced.example',
      underlayIp: '192.0.2.32',
      hvflowdAddr: hvflowd.address,
      requestId: '',
    });
    const { tenant } = await newProject(stack, admin, 'refused');
    const [t] = tenant as [Clients];
    const vpc = await t.vpcs.createVpc({
      name: 'a',
      cidr: '10.1.0.0/24',
      projectId: '',
      requestId: '',
    });
    const create = (name: string) =>
      t.interfaces.createInterface({
        vpcId: vpc.id,
        chassisId: 'hv-misplaced',
        name,
        ip: '',
        mac: '',
        requestId: '',
      });
    const first = await create('a1');
    const refusedCopies = () =>
      deadLettered.filter(
        (s) => s.chassisId === 'hv-misplaced' && s.changes.includes(first.generation),
      ).length;
    // Every copy of the chassis: the state its lease claim sends may go before a1 exists.
    const chassisCopies = () => deadLettered.filter((s) => s.chassisId === 'hv-misplaced').length;
    const invalidNow = async () => (await deadLetteredFor('invalid')) - invalidBefore;
    await eventually('the refused state in the dead-letter queue', () =>
      refusedCopies() > 0 ? true : undefined,
    );
    await eventually('northd to record the refusal', async () =>
      (await northdMetric('northd_converge_refused_total{reason="invalid"}')) >= 1
        ? true
        : undefined,
    );
    // Not due again: once the others caught up, a pass on every northd sends nothing, and
    // nothing more is dead-lettered. (A copy published again before the refusal reached northd,
    // on a slow machine, is dead-lettered and counted like the first: never more after it.)
    await settled();
    await eventually('every copy southd refused in the dead-letter queue', async () =>
      (await invalidNow()) === chassisCopies() ? true : undefined,
    );
    const [copies, copiesOfFirst] = [chassisCopies(), refusedCopies()];
    assert.equal(await passEverywhere(), 0);
    assert.equal(refusedCopies(), copiesOfFirst, 'the refused generation was delivered again');
    assert.equal(await invalidNow(), copies);
    assert.equal(
      chassisCopies(),
      copies,
      'a generation of the refused chassis was delivered again',
    );

    // A change makes a new generation, which is tried (and refused) in its turn.
    const second = await create('a2');
    await eventually('the next generation refused too', () =>
      deadLettered.find(
        (s) => s.chassisId === 'hv-misplaced' && s.changes.includes(second.generation),
      ),
    );
    assert.ok((await invalidNow()) > copies);
  });

  it('dead-letters a state over the transport limit without calling hvflowd', async () => {
    const huge: ChassisState = {
      chassisId,
      epoch: 1,
      generation: 1_000_000,
      changes: [],
      vpcs: [],
      ports: [
        { interfaceId: 'x', vpcId: 'y', name: 'z'.repeat(maxChassisStateBytes), ip: '', mac: '' },
      ],
      remotePorts: [],
    };
    await broker.publish(
      queues.convergeExchange,
      chassisId,
      Buffer.from(ChassisState.encode(huge).finish()),
      {
        type: messageTypes.chassisState,
        headers: {
          [convergeHeaders.chassisId]: chassisId,
          [convergeHeaders.epoch]: 1,
          [convergeHeaders.generation]: huge.generation,
          [convergeHeaders.hvflowdAddr]: hvflowd.address,
        },
      },
    );
    await eventually('the oversized state in the dead-letter queue', () =>
      deadLettered.find((s) => s.generation === huge.generation),
    );
    assert.equal(await deadLetteredFor('too_large'), 1);
    assert.notEqual(
      (await hvflowd.chassis.get(chassisId)!.snapshot()).generation,
      huge.generation,
      'hvflowd applied the oversized state',
    );
  });
});
