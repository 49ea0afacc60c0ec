// Issue 14, items 1 and 6, northd's side: every caller is an identity (role and subject) with
// the least it needs, a token never raises a certificate's privilege, a tenant sees nothing of
// the hypervisors, and server reflection is off unless configured. One real northd over mutual
// TLS (test CA, one client certificate per identity), on a throwaway database and vhost.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import {
  ChassisServiceClient,
  InterfaceServiceClient,
  ProjectServiceClient,
  VpcServiceClient,
  type RegisterChassisRequest,
} from '@vpcd/api';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { testVhostUrl, type TestVhost } from '@vpcd/messaging/testing';
import { startNorthdHarness, type Harness } from '@vpcd/northd/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, isRpcError, Status, type ClientTlsOptions } from '@vpcd/rpc';
import { createTestCertificates } from '@vpcd/observability/testing';

const adminToken = 'identity-suite-admin-token-0123';
const identities = [
  'hvflowd:hv1',
  'hvflowd-fleet:sim',
  'hvaddr:hv1',
  'southd',
  'northd',
  'hvflowd', // our CA signed it, but it names no chassis: not a vpcd identity
] as const;
type Identity = (typeof identities)[number];

const base = {
  logger: createLogger({ name: 'test-client', level: 'silent' }),
  registry: createRegistry({ service: 'test', collectDefault: false }),
};

/** The gRPC status name of a call's failure, or OK. */
async function code(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (err) {
    if (!isRpcError(err)) throw err;
    return Status[err.code];
  }
}

/** The message of a call's failure. */
async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    if (isRpcError(err)) return `${Status[err.code]}: ${err.message}`;
    throw err;
  }
  return 'OK';
}

const registration = (chassisId: string, n: number): RegisterChassisRequest => ({
  chassisId,
  hostname: `${chassisId}.hypervisors.example`,
  underlayIp: `192.0.2.${n}`,
  hvflowdAddr: `192.0.2.${n}:50053`,
  requestId: '',
});

/**
 * ServerReflection.ServerReflectionInfo with one `list_services` request, over plaintext: what
 * it answers. Sent as a unary call (one message, then half-close), which the stream serves.
 */
function listServicesByReflection(address: string): Promise<string> {
  const client = new Client(address, credentials.createInsecure());
  // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
  const request = Buffer.from([0x3a, 0x00]);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
      (b: Buffer) => b,
      (b: Buffer) => b,
      request,
      { deadline: Date.now() + 10_000 },
      (err: ServiceError | null, reply?: Buffer) => {
        client.close();
        if (err) resolve(Status[err.code]);
        else resolve(reply?.includes('vpc.v1.VpcService') ? 'lists vpc.v1.VpcService' : 'answers');
      },
    );
  });
}

describe('identities at northd', () => {
  const certs = createTestCertificates('test-client', identities);
  const dir = mkdtempSync(join(tmpdir(), 'identity-suite-'));
  let database: TestDatabase;
  let vhost: TestVhost;
  let northd: Harness;
  let address: string;
  const closers: Array<() => void> = [];
  let projectToken: string;
  let vpcId: string;

  const file = (name: string, pem: Buffer) => {
    writeFileSync(join(dir, name), pem);
    return join(dir, name);
  };
  /** TLS to northd, with the client certificate of `as` when given. */
  const tls = (as?: Identity): ClientTlsOptions =>
    as === undefined
      ? { ca: certs.ca }
      : { ca: certs.ca, cert: certs.clients[as]!.cert, key: certs.clients[as]!.key };
  const client = <C extends Client>(
    Ctor: new (...args: never[]) => C,
    options: { as?: Identity; token?: string; at?: string },
  ) => {
    const c = createClient(Ctor as never, {
      ...base,
      address: options.at ?? address,
      tls: tls(options.as),
      bearerToken: options.token,
    }) as unknown as ReturnType<typeof createClient<C>>;
    closers.push(() => c.close());
    return c;
  };
  const chassisAs = (as: Identity) => client(ChassisServiceClient, { as });
  const admin = () => client(ChassisServiceClient, { token: adminToken });

  before(async () => {
    database = await createTestDatabase();
    vhost = await testVhostUrl();
    northd = await startNorthdHarness({
      shared: { database, amqpUrl: vhost.url },
      logLevel: 'fatal',
      env: {
        VPCD_ADMIN_TOKEN: adminToken,
        NORTHD_ID: 'identity-tls',
        GRPC_LISTEN: 'localhost:0',
        TLS_CERT: file('server.crt', certs.server.cert),
        TLS_KEY: file('server.key', certs.server.key),
        TLS_CA: file('ca.crt', certs.ca),
        ALLOW_FLEET_IDENTITIES: 'true',
      },
    });
    address = `localhost:${northd.northd.grpcPort}`;
    await admin().registerChassis(registration('hv1', 11));
    await admin().registerChassis(registration('hv2', 12));
    const projects = client(ProjectServiceClient, { token: adminToken });
    const project = await projects.createProject({ name: 'tenant', requestId: '' });
    ({ token: projectToken } = await projects.createToken({
      projectId: project.id,
      requestId: '',
    }));
    const tenantVpcs = client(VpcServiceClient, { token: projectToken });
    ({ id: vpcId } = await tenantVpcs.createVpc({
      name: 'web',
      cidr: '10.40.0.0/24',
      requestId: '',
      projectId: '',
    }));
    const tenantInterfaces = client(InterfaceServiceClient, { token: projectToken });
    for (const chassisId of ['hv1', 'hv2']) {
      await tenantInterfaces.createInterface({
        vpcId,
        chassisId,
        name: `vm-${chassisId}`,
        ip: '',
        mac: '',
        requestId: '',
      });
    }
  });

  after(async () => {
    for (const close of closers) close();
    await northd?.stop();
    await database?.drop();
    await vhost?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a chassis agent register, heartbeat and sync its own chassis, and no other', async () => {
    const hv1 = chassisAs('hvflowd:hv1');
    assert.equal((await hv1.registerChassis(registration('hv1', 11))).id, 'hv1');
    await hv1.heartbeat({
      chassisId: 'hv1',
      appliedGeneration: 0,
      stateHash: '',
      appliedEpoch: 0,
      contentHash: '',
    });
    assert.equal((await hv1.syncInitialChassis({ chassisId: 'hv1' })).state?.chassisId, 'hv1');

    const denied = 'PERMISSION_DENIED: chassis_id: hvflowd:hv1 may not act for chassis hv2';
    assert.equal(await failure(hv1.registerChassis(registration('hv2', 66))), denied);
    assert.equal(
      await failure(
        hv1.heartbeat({
          chassisId: 'hv2',
          appliedGeneration: 1 << 30,
          stateHash: 'x',
          appliedEpoch: 0,
          contentHash: '',
        }),
      ),
      denied,
    );
    assert.equal(await failure(hv1.syncInitialChassis({ chassisId: 'hv2' })), denied);
    const hv2 = await admin().getChassis({ id: 'hv2' });
    assert.equal(hv2.underlayIp, '192.0.2.12', "hv2's registration is untouched");
  });

  it('limits a fleet certificate to the chassis <prefix>-<digits>', async () => {
    const fleet = chassisAs('hvflowd-fleet:sim');
    assert.equal((await fleet.registerChassis(registration('sim-0007', 21))).id, 'sim-0007');
    assert.equal(await code(fleet.syncInitialChassis({ chassisId: 'sim-0007' })), 'OK');
    for (const other of ['hv1', 'sim-x1', 'simulator-0001', 'sim-0001-2']) {
      assert.equal(
        await code(fleet.registerChassis(registration(other, 22))),
        'PERMISSION_DENIED',
        other,
      );
    }
    assert.equal(await code(fleet.syncInitialChassis({ chassisId: 'hv2' })), 'PERMISSION_DENIED');
  });

  it('refuses fleet identities where ALLOW_FLEET_IDENTITIES is not set, naming it', async () => {
    // The suite's northd runs a simulated fleet's setting; a production one (this twin) does not.
    const projects = client(ProjectServiceClient, { token: adminToken });
    const { token: fleetToken } = await projects.createServiceToken({
      role: 'hvflowd-fleet',
      subject: 'sim',
      requestId: '',
    });
    const strict = await startNorthdHarness({
      shared: { database, amqpUrl: vhost.url },
      logLevel: 'fatal',
      env: {
        VPCD_ADMIN_TOKEN: adminToken,
        NORTHD_ID: 'identity-no-fleet',
        GRPC_LISTEN: 'localhost:0',
        TLS_CERT: file('server.crt', certs.server.cert),
        TLS_KEY: file('server.key', certs.server.key),
        TLS_CA: file('ca.crt', certs.ca),
      },
    });
    try {
      const at = `localhost:${strict.northd.grpcPort}`;
      const setting = /simulated fleet's identity, accepted only where ALLOW_FLEET_IDENTITIES=true/;
      const byCertificate = client(ChassisServiceClient, { as: 'hvflowd-fleet:sim', at });
      const byToken = client(ChassisServiceClient, { token: fleetToken, at });
      const fleetCert = await failure(byCertificate.syncInitialChassis({ chassisId: 'sim-0007' }));
      assert.match(fleetCert, /^UNAUTHENTICATED: hvflowd-fleet:sim is a/);
      assert.match(fleetCert, setting);
      const fleetTok = await failure(byToken.syncInitialChassis({ chassisId: 'sim-0007' }));
      assert.match(fleetTok, /^PERMISSION_DENIED: hvflowd-fleet:sim is a/);
      assert.match(fleetTok, setting);
      const issue = client(ProjectServiceClient, { token: adminToken, at }).createServiceToken({
        role: 'hvflowd-fleet',
        subject: 'sim',
        requestId: '',
      });
      const refusedIssue = await failure(issue);
      assert.match(refusedIssue, /^FAILED_PRECONDITION: /);
      assert.match(refusedIssue, setting);
      const hv1 = client(ChassisServiceClient, { as: 'hvflowd:hv1', at });
      assert.equal(await code(hv1.syncInitialChassis({ chassisId: 'hv1' })), 'OK');
    } finally {
      await strict.stop();
    }
  });

  it("lets hvaddr read its own chassis' bindings only, and nothing of other chassis", async () => {
    const hvaddr = chassisAs('hvaddr:hv1');
    const { state } = await hvaddr.syncInitialChassis({ chassisId: 'hv1' });
    assert.deepEqual(
      state?.ports.map((p) => p.name),
      ['vm-hv1'],
    );
    assert.deepEqual(state?.remotePorts, [], "no other chassis' ports nor underlay addresses");
    const agentView = await chassisAs('hvflowd:hv1').syncInitialChassis({ chassisId: 'hv1' });
    assert.equal(agentView.state?.remotePorts.length, 1, 'the agent itself gets the tunnels');

    assert.equal(
      await failure(hvaddr.syncInitialChassis({ chassisId: 'hv2' })),
      'PERMISSION_DENIED: chassis_id: hvaddr:hv1 may not act for chassis hv2',
    );
    assert.equal(await code(hvaddr.registerChassis(registration('hv1', 11))), 'PERMISSION_DENIED');
    assert.equal(
      await code(
        hvaddr.heartbeat({
          chassisId: 'hv1',
          appliedGeneration: 0,
          stateHash: '',
          appliedEpoch: 0,
          contentHash: '',
        }),
      ),
      'PERMISSION_DENIED',
    );
  });

  it("gives a service token exactly its identity's rights, as a certificate would get", async () => {
    const projects = client(ProjectServiceClient, { token: adminToken });
    const { token } = await projects.createServiceToken({
      role: 'hvflowd',
      subject: 'hv1',
      requestId: '',
    });
    const agent = client(ChassisServiceClient, { token });
    assert.equal(await code(agent.syncInitialChassis({ chassisId: 'hv1' })), 'OK');
    assert.equal(
      await failure(agent.syncInitialChassis({ chassisId: 'hv2' })),
      'PERMISSION_DENIED: chassis_id: hvflowd:hv1 may not act for chassis hv2',
    );
    assert.equal(await code(agent.getChassis({ id: 'hv1' })), 'PERMISSION_DENIED');
  });

  it('gives southd and northd certificates nothing of the public API', async () => {
    for (const as of ['southd', 'northd'] as const) {
      const c = chassisAs(as);
      assert.equal(await code(c.getChassis({ id: 'hv1' })), 'PERMISSION_DENIED', as);
      assert.equal(await code(c.listChassis({ pageSize: 0, pageToken: '' })), 'PERMISSION_DENIED');
      assert.equal(await code(c.registerChassis(registration('hv1', 11))), 'PERMISSION_DENIED');
      assert.equal(await code(c.syncInitialChassis({ chassisId: 'hv1' })), 'PERMISSION_DENIED');
      const vpcs = client(VpcServiceClient, { as });
      assert.equal(await code(vpcs.listVpcs({ pageSize: 0, pageToken: '' })), 'PERMISSION_DENIED');
    }
  });

  it('refuses a certificate whose CN is not a vpcd identity, naming the CN', async () => {
    assert.match(
      await failure(chassisAs('hvflowd').syncInitialChassis({ chassisId: 'hv1' })),
      /^UNAUTHENTICATED: client certificate CN "hvflowd" is not a vpcd identity/,
    );
    assert.match(
      await failure(
        client(VpcServiceClient, { as: 'test-client' as Identity }).getVpc({ id: vpcId }),
      ),
      /^UNAUTHENTICATED: client certificate CN "test-client" is not a vpcd identity \(unknown role/,
    );
  });

  it('refuses a call that presents both a client certificate and a bearer token', async () => {
    // The admin token on an agent's connection would otherwise make the agent the admin.
    const raised = client(ChassisServiceClient, { as: 'hvflowd:hv1', token: adminToken });
    assert.match(
      await failure(raised.registerChassis(registration('hv2', 66))),
      /^UNAUTHENTICATED: both a client certificate and a bearer token were presented/,
    );
    assert.equal(await code(raised.syncInitialChassis({ chassisId: 'hv1' })), 'UNAUTHENTICATED');
    const tenant = client(VpcServiceClient, { as: 'hvaddr:hv1', token: projectToken });
    assert.equal(await code(tenant.listVpcs({ pageSize: 0, pageToken: '' })), 'UNAUTHENTICATED');
  });

  it('shows a project token no underlay IP, agent address or lease owner of any chassis', async () => {
    // Wait for a northd to hold hv1's lease, so there is an owner to hide.
    const deadline = Date.now() + 15_000;
    while ((await admin().getChassis({ id: 'hv1' })).owner === '' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const full = await admin().getChassis({ id: 'hv1' });
    assert.notEqual(full.owner, '', 'the admin sees the lease owner');
    assert.equal(full.underlayIp, '192.0.2.11');

    const tenant = client(ChassisServiceClient, { token: projectToken });
    const one = await tenant.getChassis({ id: 'hv1' });
    const { chassis: listed } = await tenant.listChassis({ pageSize: 0, pageToken: '' });
    assert.deepEqual(
      listed.map((c) => c.id),
      ['hv1', 'hv2', 'sim-0007'],
      'a tenant still sees which chassis it can place interfaces on',
    );
    for (const c of [one, ...listed]) {
      assert.deepEqual(
        {
          hostname: c.hostname,
          underlayIp: c.underlayIp,
          hvflowdAddr: c.hvflowdAddr,
          owner: c.owner,
          epoch: c.epoch,
          stateHash: c.stateHash,
        },
        { hostname: '', underlayIp: '', hvflowdAddr: '', owner: '', epoch: 0, stateHash: '' },
        c.id,
      );
    }
    // Nothing a tenant reads of its own objects carries hypervisor detail either.
    const interfaces = client(InterfaceServiceClient, { token: projectToken });
    const vpcs = client(VpcServiceClient, { token: projectToken });
    const seen = JSON.stringify([
      one,
      listed,
      await interfaces.listInterfaces({ vpcId, chassisId: '', pageSize: 0, pageToken: '' }),
      await interfaces.listInterfaces({ vpcId: '', chassisId: 'hv1', pageSize: 0, pageToken: '' }),
      await vpcs.listVpcs({ pageSize: 0, pageToken: '' }),
    ]);
    for (const secret of ['192.0.2.', ':50053', 'hypervisors.example', full.owner]) {
      assert.ok(!seen.includes(secret), `a tenant read ${secret}`);
    }
  });

  it('serves no server reflection by default, and serves it when GRPC_REFLECTION=true', async () => {
    // This northd runs with TLS; reflection is asked for on its own plaintext twin below.
    for (const [env, want] of [
      [{}, 'UNIMPLEMENTED'],
      [{ GRPC_REFLECTION: 'true' }, 'lists vpc.v1.VpcService'],
    ] as const) {
      const twin = await startNorthdHarness({
        shared: { database, amqpUrl: vhost.url },
        logLevel: 'fatal',
        env: {
          VPCD_ADMIN_TOKEN: adminToken,
          NORTHD_ID: `identity-reflection-${'GRPC_REFLECTION' in env ? 'true' : 'unset'}`,
          ...env,
        },
      });
      try {
        assert.equal(await listServicesByReflection(twin.address), want, JSON.stringify(env));
      } finally {
        await twin.stop();
      }
    }
  });
});
