// Issue 14, item 8: DHCP trusts the wire, not the guest. A real Open vSwitch (userspace datapath,
// private sandbox) programmed by hvflowd's runtime from a real northd's state; hvaddr as its own
// process on hvaddr's port `vpcd-dhcp`; guests in network namespaces behind bridge ports: busybox
// udhcpc behind one port, a client behind another port (of another VPC with the same CIDR) that
// claims the first guest's MAC. Needs root, iproute2 (ip, nsenter), busybox and Open vSwitch.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { execFile } from 'node:child_process';
import {
  ChassisServiceClient,
  InterfaceServiceClient,
  ProjectServiceClient,
  VpcServiceClient,
  type ChassisState,
} from '@vpcd/api';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { DHCP_STEER_GROUP } from '@vpcd/flows';
import { ChassisRuntime, createHvflowdMetrics, OvsDatapath } from '@vpcd/hvflowd';
import { ovsSandboxUnavailable, startOvsSandbox, type OvsSandbox } from '@vpcd/hvflowd/testing';
import { testBusKey, type TestVhost, testVhostUrl } from '@vpcd/messaging/testing';
import { createDeps, loadConfig, startNorthd, type Northd } from '@vpcd/northd';
import { createLogger, createRegistry } from '@vpcd/observability';
import { skipUnlessRequired } from '@vpcd/observability/testing';
import { createClient } from '@vpcd/rpc';
import { parsePromText, sumOf } from '../bench/common/prom-text.js';
import {
  attachGuest,
  switchNamespace,
  type Guest,
  type SwitchNamespace,
} from './guest-namespaces.js';
import type { ProbeReply } from './dhcp-probe.js';

const run = promisify(execFile);
const hvaddrMain = fileURLToPath(new URL('../../../services/hvaddr/dist/main.js', import.meta.url));
const probeScript = fileURLToPath(new URL('./dhcp-probe.js', import.meta.url));
const adminToken = 'dhcp-port-security-admin-token';
const chassisId = 'hv-dhcp-sec';
const BRIDGE = 'br-int';
const macA = '02:5a:00:00:00:0a';
const macB = '02:5b:00:00:00:0b';
const skip = skipUnlessRequired(await ovsSandboxUnavailable());

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('DHCP is served for the port a request came in on', { skip }, () => {
  // A management link between this namespace and the switch's, where hvaddr runs: hvaddr reaches
  // northd over it and the test reads hvaddr's metrics.
  const mgmt = `10.${randomInt(200, 250)}.${randomInt(0, 256)}`;
  const mgmtHost = `vpcdm${randomInt(0, 1e6)}`;
  let sandbox: OvsSandbox;
  let sw: SwitchNamespace;
  let database: TestDatabase;
  let vhost: TestVhost;
  let northd: Northd;
  let hvaddr: ChildProcess | undefined;
  let guestA: Guest;
  let guestB: Guest;
  let state: ChassisState;
  let dir: string;
  const ipOf = (mac: string) => state.ports.find((p) => p.mac === mac)?.ip ?? assert.fail(mac);
  const ofportOf = async (port: string) =>
    Number((await sandbox.run('ovs-vsctl', ['get', 'Interface', port, 'ofport'])).trim());
  const metricsUrl = `http://${mgmt}.2:9104/metrics`;
  const metric = async (name: string, labels: Record<string, string> = {}) =>
    sumOf(parsePromText(await (await fetch(metricsUrl)).text()), name, labels);

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vpcd-dhcp-port-'));
    sandbox = await startOvsSandbox();
    sw = await switchNamespace(sandbox);
    await run('ip', ['link', 'add', mgmtHost, 'type', 'veth', 'peer', 'name', 'mgmt0']);
    await run('ip', ['link', 'set', 'mgmt0', 'netns', String(sw.pid)]);
    await run('ip', ['addr', 'add', `${mgmt}.1/24`, 'dev', mgmtHost]);
    await run('ip', ['link', 'set', mgmtHost, 'up']);
    await sw.exec('ip', ['addr', 'add', `${mgmt}.2/24`, 'dev', 'mgmt0']);
    await sw.exec('ip', ['link', 'set', 'mgmt0', 'up']);
    await sw.exec('ip', ['link', 'set', 'lo', 'up']);

    database = await createTestDatabase();
    vhost = await testVhostUrl();
    const config = loadConfig({
      MYSQL_URL: database.url,
      AMQP_URL: vhost.url,
      VPCD_ADMIN_TOKEN: adminToken,
      GRPC_LISTEN: `${mgmt}.1:0`,
      METRICS_LISTEN: '127.0.0.1:0',
      LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
      ...testBusKey.env,
    });
    northd = await startNorthd(config, await createDeps(config));
    const address = `${mgmt}.1:${northd.grpcPort}`;
    const base = {
      address,
      logger: createLogger({ name: 'test-client', level: 'silent' }),
      registry: createRegistry({ service: 'test', collectDefault: false }),
      bearerToken: adminToken,
    };
    const chassis = createClient(ChassisServiceClient, base);
    const projects = createClient(ProjectServiceClient, base);
    const vpcs = createClient(VpcServiceClient, base);
    const interfaces = createClient(InterfaceServiceClient, base);
    let hvaddrToken: string;
    try {
      await chassis.registerChassis({
        chassisId,
        hostname: 'hv-dhcp-sec.example',
        underlayIp: '192.0.2.81',
        hvflowdAddr: '127.0.0.1:1',
        requestId: '',
      });
      // Two tenants whose VPCs have the same CIDR: the spoofer's VPC holds the same addresses.
      const [vpcA, vpcB] = await Promise.all(
        ['a', 'b'].map(async (name) => {
          const project = await projects.createProject({ name: `dhcp-${name}`, requestId: '' });
          return vpcs.createVpc({
            name,
            cidr: '10.62.0.0/24',
            projectId: project.id,
            requestId: '',
          });
        }),
      );
      await interfaces.createInterface({
        ...{ vpcId: vpcA!.id, chassisId, name: 'guest-a', ip: '', mac: macA },
        requestId: '',
      });
      await interfaces.createInterface({
        ...{ vpcId: vpcB!.id, chassisId, name: 'guest-b', ip: '', mac: macB },
        requestId: '',
      });
      state = (await chassis.syncInitialChassis({ chassisId })).state!;
      // hvaddr authenticates as itself (hvaddr:<chassis>), never with the admin token.
      ({ token: hvaddrToken } = await projects.createServiceToken({
        role: 'hvaddr',
        subject: chassisId,
        requestId: '',
      }));
    } finally {
      for (const client of [chassis, projects, vpcs, interfaces]) client.close();
    }
    const interfaceOf = (mac: string) =>
      state.ports.find((p) => p.mac === mac)?.interfaceId ?? assert.fail(mac);
    await sandbox.run('ovs-vsctl', [
      ...['add-br', BRIDGE, '--', 'set', 'Bridge', BRIDGE, 'datapath_type=netdev'],
    ]);
    guestA = await attachGuest(sandbox, sw, {
      bridge: BRIDGE,
      interfaceId: interfaceOf(macA),
      mac: macA,
    });
    guestB = await attachGuest(sandbox, sw, {
      bridge: BRIDGE,
      interfaceId: interfaceOf(macB),
      mac: macB,
      cidr: `${ipOf(macB)}/24`,
    });
    const logger = createLogger({ name: 'hvflowd', level: 'warn' });
    const runtime = new ChassisRuntime({
      chassisId,
      logger,
      metrics: createHvflowdMetrics(createRegistry({ service: 'hvflowd', collectDefault: false })),
      datapath: new OvsDatapath({
        bridge: BRIDGE,
        datapathType: 'netdev',
        underlayIp: '192.0.2.81',
        env: sandbox.env,
      }),
    });
    await runtime.applyInitialSync(state);
    // hvflowd created hvaddr's internal port; the host gives it an address and brings it up.
    await sw.exec('ip', ['addr', 'add', '169.254.67.1/24', 'dev', 'vpcd-dhcp']);
    await sw.exec('ip', ['link', 'set', 'vpcd-dhcp', 'up']);

    hvaddr = spawn('nsenter', ['-t', String(sw.pid), '-n', process.execPath, hvaddrMain], {
      env: {
        ...process.env,
        CHASSIS_ID: chassisId,
        NORTHD_ADDR: address,
        VPCD_TOKEN: hvaddrToken,
        DHCP_INTERFACE: 'vpcd-dhcp',
        OVSDB_SOCKET: `unix:${path.join(sandbox.dir, 'db.sock')}`,
        OVS_BRIDGE: BRIDGE,
        METRICS_LISTEN: `${mgmt}.2:9104`,
        BINDINGS_REFRESH_MS: '200',
        LOG_LEVEL: 'warn',
        OTEL_SDK_DISABLED: 'true',
        OTEL_TRACES_EXPORTER: 'none',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await eventually(
      () => fetch(`http://${mgmt}.2:9104/readyz`).then((r) => r.status),
      (status) => status === 200,
      'hvaddr ready',
    );
  });

  after(async () => {
    if (hvaddr && hvaddr.exitCode === null) {
      const exited = new Promise((resolve) => hvaddr!.once('exit', resolve));
      hvaddr.kill('SIGTERM');
      await exited;
    }
    await guestA?.destroy();
    await guestB?.destroy();
    await northd?.stop();
    await database?.drop();
    await vhost?.drop();
    await sandbox?.stop();
    await run('ip', ['link', 'del', mgmtHost]).catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the probe in `guest`; resolves once it listens, then with what it received. */
  async function probe(guest: Guest, args: string[]): Promise<() => Promise<ProbeReply[]>> {
    const child = spawn(
      'ip',
      ['netns', 'exec', guest.namespace, process.execPath, probeScript, ...args],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await eventually(
      () => Promise.resolve(out),
      (text) => text.startsWith('ready\n'),
      'the probe listens',
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    return async () => {
      await exited;
      return JSON.parse(out.slice('ready\n'.length)) as ProbeReply[];
    };
  }

  /** busybox udhcpc in `guest` until bound (-q), with the variables its script was given. */
  async function udhcpc(guest: Guest): Promise<Record<string, string>> {
    const out = path.join(dir, `${guest.namespace}.env`);
    const script = path.join(dir, `${guest.namespace}.sh`);
    await writeFile(
      script,
      `#!/bin/sh\n[ "$1" = bound ] || exit 0\nfor v in ip router serverid; do eval "echo $v=\\$$v"; done > ${out}\n`,
    );
    await chmod(script, 0o755);
    await guest.exec(
      'busybox',
      ['udhcpc', '-i', guest.device, '-f', '-q', '-n', '-t', '8', '-T', '1', '-s', script],
      30_000,
    );
    const text = await readFile(out, 'utf8');
    const lines = text.trim().split('\n');
    return Object.fromEntries(
      lines.map((line): [string, string] => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)];
      }),
    );
  }

  it('gives udhcpc behind its port its address, and the other port hears no reply', async () => {
    const heardByB = await probe(guestB, ['--listen-ms', '4000']);
    const lease = await udhcpc(guestA);
    assert.deepEqual(lease, { ip: ipOf(macA), router: '10.62.0.1', serverid: '10.62.0.1' });
    assert.deepEqual(await heardByB(), []);
    assert.ok((await metric('hvaddr_requests_total', { type: 'request', result: 'ack' })) >= 1);
  });

  it('answers the other port for its own interface only, and only to that port', async () => {
    const heardByA = await probe(guestA, ['--listen-ms', '2500']);
    const heardByB = await probe(guestB, ['--chaddr', macB, '--xid', '11', '--listen-ms', '1500']);
    const replies = await heardByB();
    assert.deepEqual(
      replies.map((r) => ({ op: r.op, xid: r.xid, yiaddr: r.yiaddr, chaddr: r.chaddr })),
      [{ op: 2, xid: 11, yiaddr: ipOf(macB), chaddr: macB }],
    );
    assert.deepEqual(await heardByA(), []);
  });

  it('gives a client claiming the MAC of another port nothing, and counts it', async () => {
    const before = await metric('hvaddr_dropped_total', { reason: 'chaddr_mismatch' });
    const heardByA = await probe(guestA, ['--listen-ms', '2500']);
    const heardByB = await probe(guestB, ['--chaddr', macA, '--xid', '12', '--listen-ms', '1500']);
    assert.deepEqual(await heardByB(), []);
    assert.deepEqual(await heardByA(), []);
    await eventually(
      () => metric('hvaddr_dropped_total', { reason: 'chaddr_mismatch' }),
      (n) => n > before,
      'the spoofed request counted',
    );
  });

  it('drops and counts a request with a relay address', async () => {
    const before = await metric('hvaddr_dropped_total', { reason: 'relayed' });
    const heardByB = await probe(guestB, [
      ...['--chaddr', macB, '--giaddr', '10.62.0.99', '--xid', '13', '--listen-ms', '1500'],
    ]);
    assert.deepEqual(await heardByB(), []);
    await eventually(
      () => metric('hvaddr_dropped_total', { reason: 'relayed' }),
      (n) => n > before,
      'the relayed request counted',
    );
  });

  it('receives nothing that reaches the switch host other than through hvaddr port', async () => {
    // A forged steered request: to the group, from the mark of guest A's port, with A's MAC,
    // sent to the switch host over the management link instead of through br-int.
    const mark = await ofportOf(guestA.port);
    assert.ok(mark > 0);
    const received = await metric('hvaddr_packets_received_total');
    const arrived = async () =>
      (
        JSON.parse(await sw.exec('ip', ['-s', '-j', 'link', 'show', 'mgmt0'])) as Array<{
          stats64: { rx: { packets: number } };
        }>
      )[0]!.stats64.rx.packets;
    const arrivedBefore = await arrived();
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve) => socket.bind(mark, `${mgmt}.1`, () => resolve()));
    socket.setMulticastInterface(`${mgmt}.1`);
    const forged = Buffer.alloc(244);
    forged.set([1, 1, 6], 0);
    forged.set(
      macA.split(':').map((h) => parseInt(h, 16)),
      28,
    );
    forged.writeUInt32BE(0x63825363, 236);
    forged.set([53, 1, 1, 255], 240);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) =>
        socket.send(forged, 67, DHCP_STEER_GROUP, (err) => (err ? reject(err) : resolve())),
      );
    }
    socket.close();
    // They did reach the switch host's network stack, on another interface than hvaddr's port.
    await eventually(arrived, (n) => n >= arrivedBefore + 5, 'the forged datagrams arrive');
    // A steered request sent afterwards arrives: the forged ones, sent first, did not.
    const heardByB = await probe(guestB, ['--chaddr', macB, '--xid', '14', '--listen-ms', '1500']);
    assert.equal((await heardByB()).length, 1);
    assert.equal(await metric('hvaddr_packets_received_total'), received + 1);
  });

  it('limits a port flooding made-up MACs as one client, and the other port still gets its lease', async () => {
    const limitedBefore = await metric('hvaddr_rate_limited_total');
    const flood = await probe(guestB, ['--flood', '1000', '--listen-ms', '0']);
    const lease = await udhcpc(guestA);
    assert.equal(lease.ip, ipOf(macA));
    assert.deepEqual(await flood(), []);
    await eventually(
      () => metric('hvaddr_rate_limited_total'),
      (n) => n > limitedBefore + 500,
      'the flood limited',
    );
    // One rate state a port, however many MACs its requests claim.
    assert.ok((await metric('hvaddr_clients_tracked')) <= 2);
  });
});
