// Issue 14, item 3: one tenant cannot freeze a chassis. A port the flow compiler would refuse is
// refused at the API (INVALID_ARGUMENT naming the field, by the validator northd shares with
// @vpcd/flows); one that reaches a chassis anyway (a row written by hand) is left out alone,
// FAILED with a reason and counted, while everyone else's interfaces on that chassis converge;
// VNIs come from a bounded pool, reused after deletion and never burned by a refused request.
// northd runs in this process (the VNI pool's bound is an option, not a variable); southd and
// hvflowd (memory datapath) run as processes, on a throwaway database and vhost.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { InterfaceStatus, type Interface } from '@vpcd/api';
import { gatewayMac } from '@vpcd/flows';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { testBusKey, testVhostUrl, type TestVhost } from '@vpcd/messaging/testing';
import { startNorthdHarness, type Harness } from '@vpcd/northd/testing';
import { fieldViolations, isRpcError, northdClients, Status, type NorthdClients } from '@vpcd/rpc';
import { createConnection } from 'mysql2/promise';
import { parsePromText, sumOf } from '../bench/common/prom-text.js';
import { spawnService, type ServiceProcess } from '../region/service-process.js';

const adminToken = 'one-tenant-admin-token-0123456789';
const serviceMain = (name: string) =>
  fileURLToPath(new URL(`../../../services/${name}/dist/main.js`, import.meta.url));

type Api = NorthdClients;

const api = (address: string): Api => northdClients({ address, bearerToken: adminToken });

let northdCount = 0;

/** A northd in this process; `vniMax` lowers the VNI pool's bound (an option, never a variable). */
function northdOn(database: TestDatabase, vhost: TestVhost, vniMax?: number): Promise<Harness> {
  return startNorthdHarness({
    shared: { database, amqpUrl: vhost.url },
    logLevel: 'error',
    env: {
      VPCD_ADMIN_TOKEN: adminToken,
      NORTHD_ID: `northd-${++northdCount}`,
      LOG_LEVEL: 'error',
    },
    config: (config) => (vniMax === undefined ? config : { ...config, vniMax }),
  });
}

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The gRPC status name of a failed call and the fields it names; `OK` when it succeeded. */
async function outcome(call: Promise<unknown>): Promise<{ code: string; fields: string[] }> {
  try {
    await call;
    return { code: 'OK', fields: [] };
  } catch (err) {
    assert.ok(isRpcError(err), String(err));
    return { code: Status[err.code], fields: fieldViolations(err.metadata).map((v) => v.field) };
  }
}

describe('one tenant cannot freeze a chassis', () => {
  let database: TestDatabase;
  let vhost: TestVhost;
  let northd: Harness;
  let client: Api;
  const processes: ServiceProcess[] = [];
  const runDir = mkdtempSync(join(tmpdir(), 'vpcd-one-tenant-'));

  before(async () => {
    database = await createTestDatabase();
    vhost = await testVhostUrl();
    northd = await northdOn(database, vhost);
    client = api(northd.address);
  });

  after(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    client?.close();
    await northd?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  /** A project with one VPC; `vni` rewrites its VNI by hand (no API can). */
  async function tenant(name: string, cidr: string, vni?: number) {
    const project = await client.projects.createProject({ name, requestId: '' });
    const vpc = await client.vpcs.createVpc({ name, cidr, projectId: project.id, requestId: '' });
    if (vni !== undefined) await sql('UPDATE vpcs SET vni = ? WHERE id = ?', [vni, vpc.id]);
    return vpc;
  }

  async function sql(statement: string, params: Array<string | number>): Promise<void> {
    const connection = await createConnection(database.url);
    try {
      await connection.execute(statement, params);
    } finally {
      await connection.end();
    }
  }

  it('refuses at the API, naming the field, every port the flows would refuse', async () => {
    const chassisId = 'hv-api';
    await sql(
      "INSERT INTO chassis (id, hostname, underlay_ip, hvflowd_addr) VALUES (?, 'hv', '192.0.2.9', '127.0.0.1:1')",
      [chassisId],
    );
    const vpc = await tenant('api-a', '10.20.0.0/24');
    const outOfRange = await tenant('api-b', '10.21.0.0/24', 0x1000000);
    const create = (vpcId: string, fields: { ip?: string; mac?: string }) =>
      outcome(
        client.interfaces.createInterface({
          vpcId,
          chassisId,
          name: 'vm',
          ip: fields.ip ?? '',
          mac: fields.mac ?? '',
          requestId: '',
        }),
      );
    const cases: ReadonlyArray<[string, Promise<{ code: string; fields: string[] }>, string]> = [
      ["its own VPC's gateway MAC", create(vpc.id, { mac: gatewayMac(vpc.vni) }), 'mac'],
      ["another VPC's gateway MAC", create(vpc.id, { mac: '0e:00:00:00:03:e8' }), 'mac'],
      ['a gateway MAC written upper-case', create(vpc.id, { mac: '0E-00-00-AB-CD-EF' }), 'mac'],
      ['a multicast MAC', create(vpc.id, { mac: '01:00:5e:00:00:01' }), 'mac'],
      ['the gateway IP', create(vpc.id, { ip: '10.20.0.1' }), 'ip'],
      ['a VPC whose VNI is out of range', create(outOfRange.id, {}), 'vpc_id'],
    ];
    for (const [what, result, field] of cases) {
      assert.deepEqual(await result, { code: 'INVALID_ARGUMENT', fields: [field] }, what);
    }
    // Nothing was written: no interface, and no VPC or chassis was scheduled.
    for (const vpcId of [vpc.id, outOfRange.id]) {
      const { interfaces } = await client.interfaces.listInterfaces({
        vpcId,
        chassisId: '',
        pageSize: 10,
        pageToken: '',
      });
      assert.deepEqual(interfaces, []);
      assert.equal((await client.vpcs.getVpc({ id: vpcId })).generation, 1);
    }
  });

  it("leaves a bad port out alone: it is FAILED and counted, everyone else's converge", async () => {
    const chassisId = 'hv-shared';
    const good = await tenant('good', '10.30.0.0/24');
    const bad = await tenant('bad', '10.31.0.0/24');
    const badVni = await tenant('bad-vni', '10.32.0.0/24', 0x1000001);
    await sql(
      "INSERT INTO chassis (id, hostname, underlay_ip, hvflowd_addr) VALUES (?, 'hv', '192.0.2.10', '127.0.0.1:1')",
      [chassisId],
    );
    // Rows no API would write: a MAC in the gateways' range, a port of a VPC with a VNI out of
    // range. They are on the chassis before its hvflowd starts, so its initial sync meets them.
    const badRows: Array<[string, string, number, string]> = [
      ['00000000-0000-4000-8000-0000000000b1', bad.id, 0x0a1f0005, '0e:00:00:00:00:07'],
      ['00000000-0000-4000-8000-0000000000b2', badVni.id, 0x0a200005, '02:00:00:00:00:b2'],
    ];
    for (const [id, vpcId, ip, mac] of badRows) {
      await sql(
        `INSERT INTO interfaces (id, vpc_id, chassis_id, name, ip, mac, generation)
         VALUES (?, ?, ?, ?, ?, ?, 0)`,
        [id, vpcId, chassisId, `hand-${mac.slice(-2)}`, ip, mac],
      );
    }
    const first = await client.interfaces.createInterface({
      vpcId: good.id,
      chassisId,
      name: 'web-1',
      ip: '',
      mac: '',
      requestId: '',
    });

    const southd = await spawnService({
      name: 'southd',
      script: serviceMain('southd'),
      readyMessage: 'southd started',
      logDir: runDir,
      env: serviceEnv({}),
    });
    processes.push(southd);
    // The agent authenticates as itself (hvflowd:<chassis>), never with the admin token.
    const { token } = await client.projects.createServiceToken({
      role: 'hvflowd',
      subject: chassisId,
      requestId: '',
    });
    const hvflowd = await spawnService({
      name: 'hvflowd',
      script: serviceMain('hvflowd'),
      readyMessage: 'hvflowd started',
      logDir: runDir,
      env: serviceEnv({
        NORTHD_ADDR: northd.address,
        VPCD_TOKEN: token,
        CHASSIS_ID: chassisId,
        UNDERLAY_IP: '192.0.2.10',
        // Plaintext: this suite is about what the flows refuse, not about who may deliver it.
        HVFLOWD_INSECURE_DEV: 'true',
        DATAPATH: 'memory',
        HEARTBEAT_INTERVAL_MS: '2000',
      }),
    });
    processes.push(hvflowd);

    const status = (id: string) => client.interfaces.getInterface({ id });
    const active = (i: Interface) => i.status === InterfaceStatus.INTERFACE_STATUS_ACTIVE;
    const failed = (i: Interface) => i.status === InterfaceStatus.INTERFACE_STATUS_FAILED;
    await eventually(() => status(first.id), active, 'the good tenant converges');
    const [gatewayMac, vniOutOfRange] = await Promise.all(
      badRows.map(([id]) => eventually(() => status(id), failed, `${id} is FAILED`)),
    );
    assert.match(gatewayMac!.statusReason, /^gateway-mac: .*0e:00:00:00:00:07/);
    assert.match(vniOutOfRange!.statusReason, /^invalid-vpc: .*vni 16777217/);

    // Later changes on the chassis converge too, with the bad ports still there.
    const second = await client.interfaces.createInterface({
      vpcId: good.id,
      chassisId,
      name: 'web-2',
      ip: '',
      mac: '',
      requestId: '',
    });
    await eventually(() => status(second.id), active, 'a later change converges');
    assert.ok(failed(await status(badRows[0]![0])));

    const metrics = parsePromText(
      await (await fetch(`http://127.0.0.1:${hvflowd.metricsPort}/metrics`)).text(),
    );
    assert.equal(sumOf(metrics, 'hvflowd_rejected_ports', { reason: 'gateway-mac' }), 1);
    assert.equal(sumOf(metrics, 'hvflowd_rejected_ports', { reason: 'invalid-vpc' }), 1);
    assert.ok(sumOf(metrics, 'hvflowd_rejected_ports_total', { reason: 'gateway-mac' }) >= 1);
  });

  function serviceEnv(extra: Record<string, string>): Record<string, string> {
    return {
      MYSQL_URL: database.url,
      AMQP_URL: vhost.url,
      GRPC_LISTEN: '127.0.0.1:0',
      METRICS_LISTEN: '127.0.0.1:0',
      LOG_LEVEL: 'info',
      OTEL_TRACES_EXPORTER: 'none',
      ...testBusKey.env,
      ...extra,
    };
  }
});

describe('VNIs come from a bounded pool', () => {
  let database: TestDatabase;
  let vhost: TestVhost;
  const northds: Harness[] = [];
  const clients: Api[] = [];

  before(async () => {
    database = await createTestDatabase();
    vhost = await testVhostUrl();
    for (let i = 0; i < 2; i++) {
      northds.push(await northdOn(database, vhost, 3));
      clients.push(api(northds[i]!.address));
    }
  });

  after(async () => {
    for (const c of clients) c.close();
    for (const n of northds) await n.stop();
    await database?.drop();
    await vhost?.drop();
  });

  it('hands out each VNI once under two concurrent northd, then RESOURCE_EXHAUSTED', async () => {
    const projects = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        clients[0]!.projects.createProject({ name: `race-${i}`, requestId: '' }),
      ),
    );
    const results = await Promise.allSettled(
      projects.map((p, i) =>
        clients[i % 2]!.vpcs.createVpc({
          name: 'net',
          cidr: '10.40.0.0/24',
          projectId: p.id,
          requestId: '',
        }),
      ),
    );
    const created = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason] : []));
    assert.deepEqual(created.map((v) => v.vni).sort(), [1, 2, 3]);
    assert.deepEqual(
      refused.map((err) => (isRpcError(err) ? Status[err.code] : String(err))),
      ['RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED'],
    );
    for (const vpc of created) await clients[0]!.vpcs.deleteVpc({ id: vpc.id, requestId: '' });
  });

  it("reuses a deleted VPC's VNI and burns none on a refused create", async () => {
    const { vpcs, projects } = clients[1]!;
    const project = await projects.createProject({ name: 'reuse', requestId: '' });
    const create = (name: string, cidr: string) =>
      vpcs.createVpc({ name, cidr, projectId: project.id, requestId: '' });
    const a = await create('a', '10.50.0.0/24');
    const b = await create('b', '10.51.0.0/24');
    // Refused after the VNI was taken in the transaction: the rollback returns it.
    assert.equal((await outcome(create('a', '10.52.0.0/24'))).code, 'ALREADY_EXISTS');
    assert.equal((await outcome(create('c', '10.50.0.0/25'))).code, 'FAILED_PRECONDITION');
    const c = await create('c', '10.53.0.0/24');
    assert.deepEqual([a.vni, b.vni, c.vni].sort(), [1, 2, 3]);
    const exhausted = await outcome(create('d', '10.54.0.0/24'));
    assert.equal(exhausted.code, 'RESOURCE_EXHAUSTED');
    await vpcs.deleteVpc({ id: b.id, requestId: '' });
    const d = await create('d', '10.54.0.0/24');
    assert.equal(d.vni, b.vni);
  });
});
