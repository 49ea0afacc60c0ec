// End to end on the real parts: an interface created through the API becomes ACTIVE, its flows
// are on its chassis and on the remote chassis of its VPC, and one trace covers
// API -> northd -> RabbitMQ -> southd -> hvflowd.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  ChassisServiceClient,
  HvflowdServiceClient,
  Interface,
  InterfaceServiceClient,
  InterfaceStatus,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { createDatabase } from '@vpcd/db';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import { startRegion, type Region } from '../region/local-region.js';
import { startOtlpReceiver, type ReceivedSpan } from '../region/otlp-receiver.js';
import { regionChassis } from '../region/zero-diff/region-chassis.js';
import { zeroDiffAudit } from '../region/zero-diff/zero-diff-audit.js';

const execFileAsync = promisify(execFile);
const vpcctl = fileURLToPath(new URL('../../../tools/vpcctl/dist/main.js', import.meta.url));

const clientBase = () => ({
  logger: createLogger({ name: 'e2e', level: 'silent' }),
  registry: createRegistry({ service: 'e2e', collectDefault: false }),
});

async function eventually<T>(
  read: () => Promise<T> | T,
  done: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('end to end', () => {
  let region: Region;
  let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;

  before(async () => {
    otlp = await startOtlpReceiver();
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-e2e-')),
      chassis: [
        { id: 'hv1', underlayIp: '192.0.2.1', datapath: 'ovs' },
        { id: 'hv2', underlayIp: '192.0.2.2', datapath: 'memory' },
      ],
      env: {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });
  });
  after(async () => {
    await region?.stop();
    await otlp?.close();
  });

  it('turns an API change into flows on every chassis of the VPC, in one trace', async () => {
    const base = {
      ...clientBase(),
      address: region.northdAddr,
      bearerToken: region.adminToken,
      tls: region.clientTls,
    };
    const projects = createClient(ProjectServiceClient, base);
    const vpcs = createClient(VpcServiceClient, base);
    const interfaces = createClient(InterfaceServiceClient, base);
    const project = await projects.createProject({ name: 'e2e', requestId: '' });
    const vpc = await vpcs.createVpc({
      name: 'web',
      cidr: '10.10.0.0/24',
      requestId: '',
      projectId: project.id,
    });
    // Both chassis must have registered before interfaces can be placed on them.
    const chassis = createClient(ChassisServiceClient, base);
    const chassisUp = async (id: string) =>
      chassis.getChassis({ id }).then(
        () => true,
        () => false,
      );
    assert.ok(await eventually(() => chassisUp('hv1'), Boolean));
    const a = await eventually(
      () =>
        interfaces
          .createInterface({
            vpcId: vpc.id,
            chassisId: 'hv1',
            name: 'a',
            ip: '',
            mac: '',
            requestId: 'e2e-a',
          })
          .catch(() => undefined),
      (x) => x !== undefined,
    );
    // b is created through the operator CLI, which waits until it is ACTIVE.
    assert.ok(await eventually(() => chassisUp('hv2'), Boolean));
    const cli = await execFileAsync(
      process.execPath,
      [
        vpcctl,
        'interface',
        'create',
        'b',
        '--vpc',
        vpc.id,
        '--chassis',
        'hv2',
        '--request-id',
        'e2e-b',
        '--wait',
        '-o',
        'json',
        ...region.cliTlsArgs,
      ],
      { env: { ...process.env, NORTHD_ADDR: region.northdAddr, VPCD_TOKEN: region.adminToken } },
    );
    const b = Interface.fromJSON(JSON.parse(cli.stdout));
    assert.equal(
      b.status,
      InterfaceStatus.INTERFACE_STATUS_ACTIVE,
      'vpcctl --wait returns it ACTIVE',
    );
    const active = async (id: string) => (await interfaces.getInterface({ id })).status;
    for (const iface of [a!, b]) {
      assert.equal(
        await eventually(
          () => active(iface.id),
          (s) => s === InterfaceStatus.INTERFACE_STATUS_ACTIVE,
        ),
        InterfaceStatus.INTERFACE_STATUS_ACTIVE,
      );
    }
    // Flows: hv1 delivers to a locally and tunnels to b on hv2 (underlay 192.0.2.2). hvflowd
    // answers only southd's certificate: the test reads its state as southd.
    const hv1 = createClient(HvflowdServiceClient, {
      ...clientBase(),
      address: `127.0.0.1:${region.hvflowds[0]!.grpcPort}`,
      tls: region.tls?.clientTls('southd'),
    });
    const applied = await hv1.getChassisState({});
    const flows = applied.flows.join('\n');
    assert.ok(flows.includes(a!.mac), 'a local flow for a');
    assert.ok(
      flows.includes('192.0.2.2') || flows.includes('0xc0000202'),
      'a tunnel flow towards hv2',
    );
    assert.ok(flows.includes(b.ip), 'b is reached through the tunnel');

    // One trace: the CreateInterface of b, through northd's publish, southd, and both hvflowds.
    const spans = await eventually(
      () => otlp.spans,
      (s) => {
        const create = s.find(
          (x) => x.name === 'vpc.v1.InterfaceService/CreateInterface' && x.service === 'northd',
        );
        return !!create && s.some((x) => x.traceId === create.traceId && x.service === 'hvflowd');
      },
    );
    const creates = spans.filter(
      (x) => x.name === 'vpc.v1.InterfaceService/CreateInterface' && x.service === 'northd',
    );
    const traced = creates.map((c) => spans.filter((x) => x.traceId === c.traceId));
    const full = traced.find((t) =>
      ['northd', 'southd', 'hvflowd'].every((svc) => t.some((x) => x.service === svc)),
    );
    assert.ok(
      full,
      `services per trace: ${JSON.stringify(traced.map((t) => [...new Set(t.map((x: ReceivedSpan) => x.service))]))}`,
    );
    assert.ok(
      full.some(
        (x) => x.service === 'hvflowd' && x.name === 'vpc.v1.HvflowdService/ApplyChassisState',
      ),
    );
    for (const c of [projects, vpcs, interfaces, hv1, chassis]) c.close();
  });

  it('leaves every chassis with exactly the flows recomputed from the database', async () => {
    const db = createDatabase({ url: region.mysqlUrl, ...clientBase() });
    try {
      const audit = await zeroDiffAudit({ db, chassis: regionChassis(region) });
      assert.deepEqual(audit.problems, []);
      // hv1 is read from its Open vSwitch bridge where one can run, hv2 from hvflowd's memory.
      assert.deepEqual([...audit.compared.keys()].sort(), ['hv1', 'hv2']);
      for (const [id, flows] of audit.compared) assert.ok(flows > 2, `${id} holds its flows`);

      // The audit is not vacuous: a MAC changed in the table behind northd's back (no new
      // generation) leaves both chassis with flows the database no longer asks for.
      const [row] = await db.query<{ id: string; mac: string }>(
        "SELECT id, mac FROM interfaces WHERE chassis_id = 'hv1' LIMIT 1",
      );
      await db.execute('UPDATE interfaces SET mac = ? WHERE id = ?', [
        '02:00:00:ee:ee:ee',
        row!.id,
      ]);
      try {
        // A difference is reported once it outlasts the timeout (drift is repaired meanwhile).
        const broken = await zeroDiffAudit({ db, chassis: regionChassis(region), timeoutMs: 3000 });
        assert.deepEqual(broken.problems.map((p) => p.split(' ')[0]).sort(), ['hv1', 'hv2']);
      } finally {
        await db.execute('UPDATE interfaces SET mac = ? WHERE id = ?', [row!.mac, row!.id]);
      }
    } finally {
      await db.close();
    }
  });
});
