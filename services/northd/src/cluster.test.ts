// Two real northd processes on one database and broker: races decided by the database, leases
// balanced, failover after kill -9 within the lease TTL + 2 s, and one owner per epoch.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { convergeHeaders, messageTypes, queues } from '@vpcd/api';
import { createDatabase, type Database } from '@vpcd/db';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { createBroker, type Broker } from '@vpcd/messaging';
import { testBusKey } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { isRpcError } from '@vpcd/rpc';
import {
  ackOf,
  adminToken,
  clients,
  decodeWork,
  eventually,
  testVhostUrl,
  workOf,
  type Clients,
} from './test-support.js';

const mainJs = fileURLToPath(new URL('./main.js', import.meta.url));
const leaseTtlMs = 2000;

interface Proc {
  id: string;
  child: ChildProcess;
  api: Clients;
}

describe('two northd processes', () => {
  let database: TestDatabase;
  let vhost: { url: string; drop(): Promise<void> };
  let db: Database;
  let broker: Broker;
  const procs = new Map<string, Proc>();
  // Converge work in queue order: [chassis, epoch, northd id].
  const work: Array<[string, number, string]> = [];

  async function startNorthd(id: string): Promise<Proc> {
    const child = spawn(process.execPath, [mainJs], {
      env: {
        ...process.env,
        MYSQL_URL: database.url,
        AMQP_URL: vhost.url,
        VPCD_ADMIN_TOKEN: adminToken,
        NORTHD_ID: id,
        GRPC_LISTEN: '127.0.0.1:0',
        METRICS_LISTEN: '127.0.0.1:0',
        LEASE_TTL_MS: String(leaseTtlMs),
        CONVERGE_INTERVAL_MS: '200',
        LOG_LEVEL: 'info',
        OTEL_TRACES_EXPORTER: 'none',
        ...testBusKey.env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout });
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`northd ${id} exited with ${code}`)));
      lines.on('line', (line) => {
        const parsed = JSON.parse(line) as { msg?: string; grpcPort?: number };
        if (parsed.msg === 'northd started') resolve(parsed.grpcPort!);
      });
    });
    const proc = { id, child, api: clients(`127.0.0.1:${port}`, adminToken) };
    procs.set(id, proc);
    return proc;
  }

  async function kill(id: string, signal: NodeJS.Signals): Promise<void> {
    const proc = procs.get(id)!;
    proc.api.close();
    const exited = once(proc.child, 'exit');
    proc.child.kill(signal);
    await exited;
    procs.delete(id);
  }

  const owners = async () => {
    const rows = await db.query<{ owner: string | null; n: number }>(
      'SELECT owner, COUNT(*) AS n FROM chassis_leases WHERE expires_at > NOW(3) GROUP BY owner',
    );
    return Object.fromEntries(rows.map((r) => [r.owner ?? '', Number(r.n)]));
  };

  before(async () => {
    database = await createTestDatabase();
    vhost = await testVhostUrl();
    const logger = createLogger({ name: 'test', level: 'silent' });
    const registry = createRegistry({ service: 'test', collectDefault: false });
    db = createDatabase({ url: database.url, logger, registry });
    await startNorthd('north-a');
    await startNorthd('north-b');
    broker = createBroker({
      url: vhost.url,
      logger,
      registry,
      signingKeys: testBusKey.signingKeys,
    });
    await broker.start({});
    await broker.consume(
      queues.convergeQueue,
      async (d) => {
        const w = workOf(decodeWork(d));
        work.push([w.chassisId, w.epoch, String(d.headers[convergeHeaders.northdId])]);
        await broker.publish(queues.acksExchange, '', ackOf(decodeWork(d), { stateHash: 'h' }), {
          type: messageTypes.chassisStateAck,
        });
        return 'ack';
      },
      { prefetch: 64 },
    );
  });
  after(async () => {
    for (const id of [...procs.keys()]) await kill(id, 'SIGTERM');
    await broker.close();
    await db.close();
    await database.drop();
    await vhost.drop();
  });

  it('lets the database decide concurrent creates on both instances', async () => {
    const [a, b] = [procs.get('north-a')!.api, procs.get('north-b')!.api];
    const project = await a.projects.createProject({ name: 'race', requestId: '' });
    await a.chassis.registerChassis({
      chassisId: 'hv-race',
      hostname: 'h',
      underlayIp: '192.0.2.99',
      hvflowdAddr: 'h:1',
      requestId: '',
    });
    // Overlapping CIDRs: every /20 of 10.0.0.0/16 overlaps the /16, and each /20 is asked for twice.
    const cidrs = ['10.0.0.0/16', ...Array.from({ length: 16 }, (_, i) => `10.0.${i * 16}.0/20`)];
    const attempts = [...cidrs, ...cidrs].map((cidr, i) =>
      (i % 2 ? a : b).vpcs
        .createVpc({ name: `v${i}`, cidr, requestId: '', projectId: project.id })
        .then(
          () => 'ok',
          (err: unknown) => (isRpcError(err) ? err.code : -1),
        ),
    );
    await Promise.all(attempts);
    const rows = await db.query<{ net_first: number; net_last: number }>(
      'SELECT net_first, net_last FROM vpcs WHERE project_id = ?',
      [project.id],
    );
    assert.ok(rows.length >= 1);
    for (const x of rows) {
      for (const y of rows) {
        if (x !== y)
          assert.ok(x.net_last < y.net_first || y.net_last < x.net_first, 'no two VPCs overlap');
      }
    }
    const vpc = await a.vpcs.createVpc({
      name: 'ipam',
      cidr: '10.99.0.0/24',
      requestId: '',
      projectId: project.id,
    });
    const sameIp = await Promise.allSettled(
      [a, b, a, b].map((c, i) =>
        c.interfaces.createInterface({
          vpcId: vpc.id,
          chassisId: 'hv-race',
          name: `same${i}`,
          ip: '10.99.0.77',
          mac: '',
          requestId: '',
        }),
      ),
    );
    assert.equal(sameIp.filter((r) => r.status === 'fulfilled').length, 1, 'one IP, one interface');
    const allocated = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).interfaces.createInterface({
          vpcId: vpc.id,
          chassisId: 'hv-race',
          name: `n${i}`,
          ip: '',
          mac: '',
          requestId: '',
        }),
      ),
    );
    assert.equal(
      new Set(allocated.map((x) => x.ip)).size,
      40,
      'IPAM never hands out an address twice',
    );
    assert.equal(new Set(allocated.map((x) => x.mac)).size, 40);
  });

  it('balances 20 chassis, fails over within TTL + 2 s after kill -9, and rebalances on return', async () => {
    const api = procs.get('north-a')!.api;
    for (let i = 0; i < 19; i++) {
      await api.chassis.registerChassis({
        chassisId: `hv${i}`,
        hostname: `hv${i}`,
        underlayIp: `192.0.2.${i + 1}`,
        hvflowdAddr: `hv${i}:1`,
        requestId: '',
      });
    }
    const balanced = (o: Record<string, number>) =>
      (o['north-a'] ?? 0) + (o['north-b'] ?? 0) === 20 &&
      (o['north-a'] ?? 0) >= 8 &&
      (o['north-b'] ?? 0) >= 8;
    assert.ok(balanced(await eventually(owners, balanced)), JSON.stringify(await owners()));

    const killedAt = Date.now();
    await kill('north-a', 'SIGKILL');
    const takenOver = await eventually(owners, (o) => o['north-b'] === 20, leaseTtlMs + 10_000);
    const tookMs = Date.now() - killedAt;
    assert.equal(takenOver['north-b'], 20);
    assert.ok(tookMs <= leaseTtlMs + 2000, `failover took ${tookMs} ms`);

    await startNorthd('north-a');
    assert.ok(balanced(await eventually(owners, balanced)), JSON.stringify(await owners()));

    // One owner per epoch, and epochs only grow, per chassis, in the order work reached the queue.
    const byChassis = new Map<string, Array<[number, string]>>();
    for (const [chassis, epoch, owner] of work) {
      byChassis.set(chassis, [...(byChassis.get(chassis) ?? []), [epoch, owner]]);
    }
    for (const [chassis, seq] of byChassis) {
      const ownerOf = new Map<number, string>();
      for (let i = 0; i < seq.length; i++) {
        const [epoch, owner] = seq[i]!;
        if (i > 0) assert.ok(epoch >= seq[i - 1]![0], `${chassis}: epoch went back`);
        assert.equal(
          ownerOf.get(epoch) ?? owner,
          owner,
          `${chassis}: two owners at epoch ${epoch}`,
        );
        ownerOf.set(epoch, owner);
      }
    }
  });
});
