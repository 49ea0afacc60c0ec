// hvaddr against a real northd: the bindings it serves are the interfaces northd's IPAM
// allocated on its chassis, and they follow changes. hvaddr and the DHCP load generator run as
// processes (services/hvaddr/dist), northd in this process on a throwaway database and vhost.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ChassisServiceClient,
  InterfaceServiceClient,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { testBusKey, testVhostUrl, type TestVhost } from '@vpcd/messaging/testing';
import { createDeps, loadConfig, startNorthd, type Northd } from '@vpcd/northd';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import { runHammer, startHvaddrProcess, type HvaddrProcess } from '../bench/dhcp/dhcp-process.js';
import { sumOf } from '../bench/common/prom-text.js';

const adminToken = 'hvaddr-integration-admin-token';
const chassisId = 'hv-dhcp-1';

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('hvaddr with a real northd', () => {
  let database: TestDatabase;
  let vhost: TestVhost;
  let northd: Northd;
  let hvaddr: HvaddrProcess | undefined;
  const base = {
    logger: createLogger({ name: 'test-client', level: 'silent' }),
    registry: createRegistry({ service: 'test', collectDefault: false }),
    bearerToken: adminToken,
  };
  let clients: {
    chassis: ReturnType<typeof createClient<ChassisServiceClient>>;
    projects: ReturnType<typeof createClient<ProjectServiceClient>>;
    vpcs: ReturnType<typeof createClient<VpcServiceClient>>;
    interfaces: ReturnType<typeof createClient<InterfaceServiceClient>>;
  };

  before(async () => {
    database = await createTestDatabase();
    vhost = await testVhostUrl();
    const config = loadConfig({
      MYSQL_URL: database.url,
      AMQP_URL: vhost.url,
      VPCD_ADMIN_TOKEN: adminToken,
      GRPC_LISTEN: '127.0.0.1:0',
      METRICS_LISTEN: '127.0.0.1:0',
      LOG_LEVEL: 'warn',
      OTEL_SDK_DISABLED: 'true',
      ...testBusKey.env,
    });
    northd = await startNorthd(config, await createDeps(config));
    const address = `127.0.0.1:${northd.grpcPort}`;
    clients = {
      chassis: createClient(ChassisServiceClient, { ...base, address }),
      projects: createClient(ProjectServiceClient, { ...base, address }),
      vpcs: createClient(VpcServiceClient, { ...base, address }),
      interfaces: createClient(InterfaceServiceClient, { ...base, address }),
    };
    await clients.chassis.registerChassis({
      chassisId,
      hostname: 'hv-dhcp-1.example',
      underlayIp: '192.0.2.61',
      hvflowdAddr: '127.0.0.1:1',
      requestId: '',
    });
    // hvaddr authenticates as itself (hvaddr:<chassis>), never with the admin token.
    const { token } = await clients.projects.createServiceToken({
      role: 'hvaddr',
      subject: chassisId,
      requestId: '',
    });
    hvaddr = await startHvaddrProcess({
      CHASSIS_ID: chassisId,
      NORTHD_ADDR: address,
      VPCD_TOKEN: token,
      DHCP_CLIENT_IDENTITY: 'chaddr',
      DHCP_LISTEN: '127.0.0.1:0',
      METRICS_LISTEN: '127.0.0.1:0',
      BINDINGS_REFRESH_MS: '200',
    });
  });

  after(async () => {
    await hvaddr?.stop();
    for (const client of Object.values(clients ?? {})) client.close();
    await northd?.stop();
    await database?.drop();
    await vhost?.drop();
  });

  it('leases an interface the address IPAM gave it, once northd has it on the chassis', async () => {
    const project = await clients.projects.createProject({ name: 'dhcp', requestId: '' });
    const vpc = await clients.vpcs.createVpc({
      name: 'dhcp',
      cidr: '10.61.0.0/24',
      projectId: project.id,
      requestId: '',
    });
    const mac = '02:61:00:00:00:07';
    const iface = await clients.interfaces.createInterface({
      vpcId: vpc.id,
      chassisId,
      name: 'web-1',
      ip: '',
      mac,
      requestId: '',
    });
    assert.match(iface.ip, /^10\.61\.0\.\d+$/);
    const bindings = () => hvaddr!.metrics().then((samples) => sumOf(samples, 'hvaddr_bindings'));
    await eventually(bindings, (n) => n === 1, 'hvaddr reads the binding');
    const result = await runHammer([
      ...['--mix', 'transaction', '--server', `127.0.0.1:${hvaddr!.dhcpPort}`],
      ...['--relay', '127.0.0.2', '--clients', '1', '--mac-prefix', '02:61:00', '--first', '7'],
      ...['--rate', '5/s', '--duration', '300ms'],
    ]);
    assert.ok(result.notes.includes(`${mac} acknowledged ${iface.ip}`), result.notes.join('; '));
    assert.equal(result.totals.errorCount, 0);

    await clients.interfaces.deleteInterface({ id: iface.id, requestId: '' });
    await eventually(bindings, (n) => n === 0, 'hvaddr drops the deleted interface');
  });
});
