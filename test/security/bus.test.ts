// Item 7 of the multi-tenant safety issue: the bus is not a trust boundary by accident. Real
// northd, southd and hvflowd (memory datapath) processes on a real RabbitMQ, northd and southd
// each with the broker user and the permissions of deploy/overlays/with-operators: an ack or a
// state published by anyone else (here with the vhost's full-permission guest credentials) is
// refused and counted, genuine work still converges, and southd's user cannot do northd's part.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ChassisServiceClient,
  ChassisState,
  ChassisStateAck,
  convergeHeaders,
  InterfaceServiceClient,
  InterfaceStatus,
  messageTypes,
  ProjectServiceClient,
  queues,
  VpcServiceClient,
} from '@vpcd/api';
import { createBroker, MessagingError, type Broker } from '@vpcd/messaging';
import { testVhostUrl, type BrokerPermissions, type TestVhost } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type PromiseClient } from '@vpcd/rpc';
import { parseAllDocuments } from 'yaml';
import { parsePromText, sumOf } from '../bench/common/prom-text.js';
import { startRegion, type Region } from '../region/local-region.js';
import type { ServiceProcess } from '../region/service-process.js';

const usersManifest = fileURLToPath(
  new URL('../../../deploy/overlays/with-operators/rabbitmq-users.yaml', import.meta.url),
);

/** The permissions the with-operators overlay gives a broker user. */
function deployedPermissions(user: 'vpcd-northd' | 'vpcd-southd'): BrokerPermissions {
  for (const doc of parseAllDocuments(readFileSync(usersManifest, 'utf8'))) {
    const o = doc.toJS() as {
      kind: string;
      spec: { userReference?: { name: string }; permissions: BrokerPermissions };
    };
    if (o.kind === 'Permission' && o.spec.userReference?.name === user) return o.spec.permissions;
  }
  throw new Error(`${usersManifest} has no Permission for ${user}`);
}

const quiet = () => ({
  logger: createLogger({ name: 'bus-test', level: 'silent' }),
  registry: createRegistry({ service: 'bus-test', collectDefault: false }),
});

async function metric(p: ServiceProcess, name: string, where: Record<string, string> = {}) {
  const text = await (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
  return sumOf(parsePromText(text), name, where);
}

async function eventually<T>(read: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await read();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What `url`'s user gets for one operation on a broker of its own with no signing key (anyone
 * holding those credentials): 'ok', or the broker's reply code (403: access refused).
 */
async function attempt(url: string, operation: (broker: Broker) => Promise<unknown>) {
  const broker = createBroker({ url, ...quiet(), name: 'probe', publishTimeoutMs: 5000 });
  try {
    await operation(broker);
    return 'ok';
  } catch (err) {
    return MessagingError.from(err).replyCode ?? String(err);
  } finally {
    await broker.close();
  }
}

const publishAs = (url: string, exchange: string, routingKey: string, body: Buffer, options = {}) =>
  attempt(url, async (broker) => {
    await broker.start({});
    await broker.publish(exchange, routingKey, body, options);
  });
const consumeAs = (url: string, queue: string) =>
  attempt(url, async (broker) => {
    await broker.start({});
    await broker.consume(queue, () => Promise.resolve('requeue'));
  });
const declareAs = (url: string, queue: string) =>
  attempt(url, (broker) => broker.start({ queues: [{ name: queue, kind: 'transient' }] }));

describe('the bus: broker users, signed states and acks', () => {
  let vhost: TestVhost;
  let region: Region;
  let northdUrl: string;
  let southdUrl: string;
  let api: {
    projects: PromiseClient<ProjectServiceClient>;
    vpcs: PromiseClient<VpcServiceClient>;
    interfaces: PromiseClient<InterfaceServiceClient>;
    chassis: PromiseClient<ChassisServiceClient>;
  };
  let vpcId: string;

  const southd = () => region.southds[0]!;
  const northd = () => region.northds[0]!;
  const hvflowd = () => region.hvflowds[0]!;
  const rejected = (p: ServiceProcess, queue: string) =>
    metric(p, 'messaging_messages_rejected_total', { queue });

  before(async () => {
    vhost = await testVhostUrl();
    assert.ok(vhost.addUser, 'the test broker must let the suite manage users (rabbitmqctl)');
    northdUrl = await vhost.addUser('vpcd-northd', deployedPermissions('vpcd-northd'));
    southdUrl = await vhost.addUser('vpcd-southd', deployedPermissions('vpcd-southd'));
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-security-bus-')),
      northds: 1,
      southds: 1,
      chassis: [{ id: 'hv1', underlayIp: '192.0.2.1', datapath: 'memory' }],
      amqpUrl: vhost.url,
      northdEnv: { AMQP_URL: northdUrl },
      southdEnv: { AMQP_URL: southdUrl },
    });
    const base = {
      ...quiet(),
      address: region.northdAddr,
      bearerToken: region.adminToken,
      tls: region.clientTls,
    };
    api = {
      projects: createClient(ProjectServiceClient, base),
      vpcs: createClient(VpcServiceClient, base),
      interfaces: createClient(InterfaceServiceClient, base),
      chassis: createClient(ChassisServiceClient, base),
    };
    await eventually(
      () =>
        api.chassis.getChassis({ id: 'hv1' }).then(
          (c) => c.owner !== '',
          () => false,
        ),
      Boolean,
    );
    const project = await api.projects.createProject({ name: 'bus', requestId: '' });
    const vpc = await api.vpcs.createVpc({
      name: 'bus',
      cidr: '10.70.0.0/24',
      requestId: '',
      projectId: project.id,
    });
    vpcId = vpc.id;
  });

  after(async () => {
    await region?.stop();
    await vhost?.drop();
  });

  const createInterface = (name: string) =>
    api.interfaces.createInterface({
      vpcId,
      chassisId: 'hv1',
      name,
      ip: '',
      mac: '',
      requestId: `bus-${name}`,
    });
  const statusOf = async (id: string) => (await api.interfaces.getInterface({ id })).status;

  it('keeps a forged state from reaching hvflowd: refused by southd, counted', async () => {
    // A first genuine interface: hv1 is converged at the lease's epoch.
    const first = await createInterface('first');
    assert.equal(
      await eventually(
        () => statusOf(first.id),
        (s) => s === InterfaceStatus.INTERFACE_STATUS_ACTIVE,
      ),
      InterfaceStatus.INTERFACE_STATUS_ACTIVE,
    );
    const chassis = await eventually(
      () => api.chassis.getChassis({ id: 'hv1' }),
      (c) => c.appliedGeneration === c.desiredGeneration,
    );
    // The revision hvflowd holds (a count of messages, not of change seqs as the chassis'
    // applied generation is).
    const genuine = await metric(hvflowd(), 'hvflowd_applied_generation', { chassis: 'hv1' });
    const forgedGeneration = 1_000_000_000;
    const forged: ChassisState = {
      chassisId: 'hv1',
      epoch: 2 ** 40,
      generation: forgedGeneration,
      changes: [],
      vpcs: [],
      ports: [],
      remotePorts: [],
    };
    const body = Buffer.from(ChassisState.encode(forged).finish());
    const headers = {
      [convergeHeaders.chassisId]: 'hv1',
      [convergeHeaders.epoch]: forged.epoch,
      [convergeHeaders.generation]: forged.generation,
      [convergeHeaders.hvflowdAddr]: chassis.hvflowdAddr,
    };
    const before = await rejected(southd(), queues.convergeQueue);
    // With the vhost's guest credentials: no signature, to the exchange and straight to the
    // queue; then signed, but with a key that is not the bus key.
    const guest = (exchange: string, routingKey: string) =>
      publishAs(vhost.url, exchange, routingKey, body, {
        headers,
        type: messageTypes.chassisState,
      });
    assert.equal(await guest(queues.convergeExchange, 'hv1'), 'ok');
    assert.equal(await guest('', queues.convergeQueue), 'ok');
    const forger: Broker = createBroker({
      url: vhost.url,
      ...quiet(),
      name: 'forger',
      signingKeys: [randomBytes(32)],
    });
    await forger.start({});
    await forger.publish(queues.convergeExchange, 'hv1', body, {
      headers,
      type: messageTypes.chassisState,
    });
    await forger.close();

    assert.equal(
      await eventually(
        () => rejected(southd(), queues.convergeQueue),
        (n) => n >= before + 3,
      ),
      before + 3,
      'southd refused the three forged states',
    );
    // hvflowd applied nothing of it; that its epoch was not raised either shows in the next
    // tests, where states of the lease's epoch still apply instead of being fenced.
    assert.ok(genuine > 0 && genuine < forgedGeneration, `hvflowd holds revision ${genuine}`);
    assert.equal(
      await metric(hvflowd(), 'hvflowd_applied_generation', { chassis: 'hv1' }),
      genuine,
      'hvflowd still has the genuine generation, not the forged one',
    );
  });

  it('keeps a forged ack from making an interface ACTIVE: refused by northd, counted', async () => {
    // No southd: nothing genuine acknowledges what comes next.
    await southd().stop();
    const pending = await createInterface('pending');
    const chassis = await eventually(
      () => api.chassis.getChassis({ id: 'hv1' }),
      (c) => c.desiredGeneration > c.appliedGeneration,
    );
    const ack = Buffer.from(
      ChassisStateAck.encode({
        chassisId: 'hv1',
        epoch: chassis.epoch,
        generation: chassis.desiredGeneration,
        stateHash: 'forged',
        error: '',
        rejectedPorts: [],
        refused: '',
        needsFullState: false,
        changes: [],
        contentHash: '',
      }).finish(),
    );
    const before = await rejected(northd(), queues.acksQueue);
    for (const [exchange, routingKey] of [
      [queues.acksExchange, ''],
      ['', queues.acksQueue],
    ] as const) {
      assert.equal(
        await publishAs(vhost.url, exchange, routingKey, ack, {
          type: messageTypes.chassisStateAck,
        }),
        'ok',
      );
    }
    const forger: Broker = createBroker({
      url: vhost.url,
      ...quiet(),
      name: 'forger',
      signingKeys: [randomBytes(32)],
    });
    await forger.start({});
    await forger.publish(queues.acksExchange, '', ack, { type: messageTypes.chassisStateAck });
    await forger.close();

    assert.equal(
      await eventually(
        () => rejected(northd(), queues.acksQueue),
        (n) => n >= before + 3,
      ),
      before + 3,
      'northd refused the three forged acks',
    );
    assert.equal(await statusOf(pending.id), InterfaceStatus.INTERFACE_STATUS_PENDING);
    const after = await api.chassis.getChassis({ id: 'hv1' });
    assert.equal(after.appliedGeneration, chassis.appliedGeneration, 'no ack was recorded');
  });

  it('still converges genuine work, with each service on its own broker user', async () => {
    await region.startSouthd(0);
    await createInterface('late');
    const statuses = () =>
      api.interfaces
        .listInterfaces({ vpcId, chassisId: '', pageSize: 100, pageToken: '' })
        .then((page) => page.interfaces.map((i) => [i.name, i.status] as const).sort());
    const active = InterfaceStatus.INTERFACE_STATUS_ACTIVE;
    assert.deepEqual(
      await eventually(statuses, (all) => all.every(([, status]) => status === active)),
      ['first', 'late', 'pending'].map((name) => [name, active]),
      'the interface the forged ack left PENDING, and a new one, are ACTIVE by genuine acks',
    );
  });

  it("refuses southd's broker user northd's part, and northd's the dead letters", async () => {
    const state = Buffer.from('x');
    const accessRefused = 403;
    // southd: no state, no hint, not even through the default exchange; no acks; no declaring.
    assert.equal(await publishAs(southdUrl, queues.convergeExchange, 'hv1', state), accessRefused);
    assert.equal(await publishAs(southdUrl, '', queues.convergeQueue, state), accessRefused);
    assert.equal(await publishAs(southdUrl, queues.hintsExchange, '', state), accessRefused);
    assert.equal(await consumeAs(southdUrl, queues.acksQueue), accessRefused);
    assert.equal(await consumeAs(southdUrl, queues.convergeDeadLetterQueue), accessRefused);
    assert.equal(await declareAs(southdUrl, 'vpcd.southd.own'), accessRefused);
    // What southd does is allowed: publish an ack (northd refuses this one: it is unsigned).
    assert.equal(await publishAs(southdUrl, queues.acksExchange, '', state), 'ok');
    // northd: nothing outside vpcd's names, no ack through the acks exchange, and the
    // dead-letter queues are the operators'.
    assert.equal(await declareAs(northdUrl, 'other.queue'), accessRefused);
    assert.equal(await publishAs(northdUrl, queues.acksExchange, '', state), accessRefused);
    assert.equal(await consumeAs(northdUrl, queues.convergeDeadLetterQueue), accessRefused);
    assert.equal(await consumeAs(northdUrl, queues.acksDeadLetterQueue), accessRefused);
  });
});
