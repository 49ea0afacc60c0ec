// Issue 14, item 1, where TLS is off: every agent of the local region authenticates as itself
// with a service token the region minted for its identity, and the admin token reaches no
// process but northd. Real processes (northd, southd, hvflowd, a simulated fleet, hvaddr) on a
// throwaway database and vhost; what each process holds is read from /proc/<pid>/environ.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import {
  ChassisServiceClient,
  InterfaceServiceClient,
  InterfaceStatus,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { fleetChassisId } from '@vpcd/hvflowd';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, isRpcError, Status } from '@vpcd/rpc';
import { startHvaddr } from '../region/hvaddr-process.js';
import { FLEET_PREFIX, startRegion, type Region } from '../region/local-region.js';
import type { ServiceProcess } from '../region/service-process.js';

const fleetSize = 2;
const fleetIds = Array.from({ length: fleetSize }, (_, i) =>
  fleetChassisId(FLEET_PREFIX, i, fleetSize),
);

/** The environment a process was started with, as the kernel keeps it. */
function environOf(p: ServiceProcess): Map<string, string> {
  const raw = readFileSync(`/proc/${p.child.pid}/environ`, 'utf8');
  const env = new Map<string, string>();
  for (const entry of raw.split('\0').filter(Boolean)) {
    const eq = entry.indexOf('=');
    env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

/** `CODE: message` of a call's failure, or OK. */
async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    if (isRpcError(err)) return `${Status[err.code]}: ${err.message}`;
    throw err;
  }
  return 'OK';
}

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const registration = (chassisId: string) => ({
  chassisId,
  hostname: 'attacker.example',
  underlayIp: '198.51.100.66',
  hvflowdAddr: '198.51.100.66:50053',
  requestId: '',
});

describe('agent credentials in a region without TLS', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'vpcd-agent-credentials-'));
  const closers: Array<() => void> = [];
  let region: Region;
  let hvaddr: ServiceProcess;

  const client = <C extends Client>(Ctor: new (...args: never[]) => C, token: string) => {
    const c = createClient(Ctor as never, {
      address: region.northdAddr,
      bearerToken: token,
      logger: createLogger({ name: 'test', level: 'silent' }),
      registry: createRegistry({ service: 'test', collectDefault: false }),
    }) as unknown as ReturnType<typeof createClient<C>>;
    closers.push(() => c.close());
    return c;
  };
  const agents = () => [...region.hvflowds, region.fleet!, hvaddr];
  const tokenOf = (p: ServiceProcess) => environOf(p).get('VPCD_TOKEN')!;

  before(async () => {
    region = await startRegion({
      runDir,
      northds: 1,
      southds: 1,
      tls: false,
      chassis: [
        { id: 'hv1', underlayIp: '192.0.2.1', datapath: 'memory' },
        { id: 'hv2', underlayIp: '192.0.2.2', datapath: 'memory' },
      ],
      fleetSize,
    });
    hvaddr = await startHvaddr(region, { chassisId: 'hv1', runDir });
  });

  after(async () => {
    for (const close of closers) close();
    await hvaddr?.stop();
    await region?.stop();
    rmSync(runDir, { recursive: true, force: true });
  });

  it('gives the admin token to northd alone, and each agent a token of its own', () => {
    assert.equal(environOf(region.northds[0]!).get('VPCD_ADMIN_TOKEN'), region.adminToken);
    for (const p of [...region.southds, ...agents()]) {
      const holding = [...environOf(p)].filter(([, v]) => v.includes(region.adminToken));
      assert.deepEqual(holding, [], `${p.name} holds the admin token`);
    }
    assert.equal(environOf(region.southds[0]!).get('VPCD_TOKEN'), undefined, 'southd needs none');
    const tokens = agents().map(tokenOf);
    assert.ok(
      tokens.every((t) => t !== undefined && t !== ''),
      'every agent has a token',
    );
    assert.equal(new Set(tokens).size, tokens.length, 'no two agents share a token');
  });

  it('registers, syncs and converges the agents on their own tokens', async () => {
    const chassis = client(ChassisServiceClient, region.adminToken);
    const registered = await eventually(
      async () =>
        (await chassis.listChassis({ pageSize: 0, pageToken: '' })).chassis.map((c) => c.id),
      (ids) => ids.length === 2 + fleetSize,
    );
    assert.deepEqual(registered.sort(), ['hv1', 'hv2', ...fleetIds].sort());

    const project = await client(ProjectServiceClient, region.adminToken).createProject({
      name: 'agents',
      requestId: '',
    });
    const vpc = await client(VpcServiceClient, region.adminToken).createVpc({
      name: 'web',
      cidr: '10.60.0.0/24',
      requestId: '',
      projectId: project.id,
    });
    const interfaces = client(InterfaceServiceClient, region.adminToken);
    const created = [];
    for (const chassisId of ['hv1', 'hv2', fleetIds[0]!]) {
      created.push(
        await interfaces.createInterface({
          vpcId: vpc.id,
          chassisId,
          name: `vm-${chassisId}`,
          ip: '',
          mac: '',
          requestId: '',
        }),
      );
    }
    for (const { id } of created) {
      const got = await eventually(
        () => interfaces.getInterface({ id }),
        (i) => i.status === InterfaceStatus.INTERFACE_STATUS_ACTIVE,
      );
      assert.equal(InterfaceStatus[got.status], 'INTERFACE_STATUS_ACTIVE', got.name);
    }
    // hvaddr is ready once it read its chassis' bindings from northd with its token.
    const ready = await eventually(
      () => fetch(`http://127.0.0.1:${hvaddr.metricsPort}/readyz`).then((r) => r.status),
      (status) => status === 200,
    );
    assert.equal(ready, 200);
  });

  it("refuses an agent's token for any other chassis and for the operator's API", async () => {
    const [hv1, hv2] = region.hvflowds.map((p) => client(ChassisServiceClient, tokenOf(p)));
    const denied = (who: string, chassisId: string) =>
      `PERMISSION_DENIED: chassis_id: ${who} may not act for chassis ${chassisId}`;
    assert.equal(
      await failure(hv1!.registerChassis(registration('hv2'))),
      denied('hvflowd:hv1', 'hv2'),
    );
    assert.equal(
      await failure(
        hv1!.heartbeat({
          chassisId: 'hv2',
          appliedGeneration: 1 << 30,
          stateHash: 'x',
          appliedEpoch: 0,
          contentHash: '',
        }),
      ),
      denied('hvflowd:hv1', 'hv2'),
    );
    assert.equal(
      await failure(hv1!.syncInitialChassis({ chassisId: 'hv2' })),
      denied('hvflowd:hv1', 'hv2'),
    );
    assert.equal(
      await failure(hv2!.syncInitialChassis({ chassisId: 'hv1' })),
      denied('hvflowd:hv2', 'hv1'),
    );
    assert.equal(await failure(hv1!.syncInitialChassis({ chassisId: 'hv1' })), 'OK');

    const fleet = client(ChassisServiceClient, tokenOf(region.fleet!));
    assert.equal(
      await failure(fleet.registerChassis(registration('hv1'))),
      denied(`hvflowd-fleet:${FLEET_PREFIX}`, 'hv1'),
    );
    const dhcp = client(ChassisServiceClient, tokenOf(hvaddr));
    assert.equal(
      await failure(dhcp.syncInitialChassis({ chassisId: 'hv2' })),
      denied('hvaddr:hv1', 'hv2'),
    );
    assert.match(await failure(dhcp.registerChassis(registration('hv1'))), /^PERMISSION_DENIED/);

    const asOperator = client(ProjectServiceClient, tokenOf(region.hvflowds[0]!));
    assert.match(
      await failure(
        asOperator.createServiceToken({ role: 'hvflowd', subject: 'hv2', requestId: '' }),
      ),
      /^PERMISSION_DENIED: hvflowd:hv1 may not call/,
    );
    const hv2Now = await client(ChassisServiceClient, region.adminToken).getChassis({ id: 'hv2' });
    assert.equal(hv2Now.underlayIp, '192.0.2.2', "hv2's registration is untouched");
  });
});
