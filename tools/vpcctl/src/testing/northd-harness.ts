import { randomBytes } from 'node:crypto';
import { ChassisDelta, ChassisState, ChassisStateAck, messageTypes, queues } from '@vpcd/api';
import { migrate } from '@vpcd/db';
import { createTestDatabase } from '@vpcd/db/testing';
import { createBroker, type Broker, type Delivery } from '@vpcd/messaging';
import { testBusKey, testVhostUrl } from '@vpcd/messaging/testing';
import { createPools, loadConfig, migrations, startNorthd, type Northd } from '@vpcd/northd';
import { createLogger, createRegistry } from '@vpcd/observability';
import { captureLogger } from '@vpcd/observability/testing';

/** A real northd in this process, on a throwaway database and vhost, with a fake southd. */
export interface NorthdHarness {
  /** `127.0.0.1:<port>` of its gRPC API. */
  readonly address: string;
  /** Its bootstrap admin token. */
  readonly adminToken: string;
  readonly northd: Northd;
  /** Every line northd logged at warn or above, parsed. */
  readonly logs: ReadonlyArray<Record<string, unknown>>;
  /** Whether the fake southd acknowledges converge work (it does at start): off keeps interfaces PENDING. */
  setAcking(acking: boolean): void;
  /** Stops northd and the fake southd, then drops the database and vhost. */
  stop(): Promise<void>;
}

const adminToken = `test-admin-${randomBytes(12).toString('hex')}`;

/**
 * Starts northd as its own tests do (MySQL and RabbitMQ from the env or the local ports, else
 * private instances) and plays southd: every ChassisState or ChassisDelta published to the
 * converge queue is acknowledged at once, so interfaces become ACTIVE as on a real chassis.
 */
export async function startNorthdHarness(env: Record<string, string> = {}): Promise<NorthdHarness> {
  const database = await createTestDatabase();
  const vhost = await testVhostUrl();
  const config = loadConfig({
    MYSQL_URL: database.url,
    AMQP_URL: vhost.url,
    VPCD_ADMIN_TOKEN: adminToken,
    GRPC_LISTEN: '127.0.0.1:0',
    METRICS_LISTEN: '127.0.0.1:0',
    NORTHD_ID: `northd-${randomBytes(3).toString('hex')}`,
    LEASE_TTL_MS: '3000',
    CONVERGE_INTERVAL_MS: '200',
    ...testBusKey.env,
    ...env,
  });
  const { logger, lines } = captureLogger('warn');
  const registry = createRegistry({ service: 'northd', collectDefault: false });
  const db = createPools({ url: config.mysqlUrl, logger, registry });
  await migrate(db.control, migrations, { lockName: 'vpcd_northd_migrations' });
  const broker = createBroker({
    url: config.amqpUrl,
    logger,
    registry,
    name: config.northdId,
    signingKeys: config.bus.signingKeys,
  });
  const northd = await startNorthd(config, { logger, registry, tracing: undefined, db, broker });
  const southd = await startFakeSouthd(vhost.url);
  return {
    address: `127.0.0.1:${northd.grpcPort}`,
    adminToken,
    northd,
    logs: lines,
    setAcking: (acking) => {
      southd.acking = acking;
    },
    async stop() {
      await southd.broker.close();
      await northd.stop();
      await database.drop();
      await vhost.drop();
    },
  };
}

/**
 * Takes converge work off the queue and acknowledges it as southd would after hvflowd applied
 * it; a port named `rejected-*` is reported left out of the flows, as hvflowd reports a bad row.
 */
async function startFakeSouthd(url: string): Promise<{ broker: Broker; acking: boolean }> {
  const broker = createBroker({
    url,
    logger: createLogger({ name: 'fake-southd', level: 'silent' }),
    registry: createRegistry({ service: 'fake-southd', collectDefault: false }),
    name: 'fake-southd',
    signingKeys: testBusKey.signingKeys,
  });
  const southd = { broker, acking: true };
  await broker.start({});
  // The ports each chassis leaves out, as hvflowd reports them with every ack: those of its
  // whole state, which a delta changes by what it adds and removes.
  const rejected = new Map<string, Map<string, string>>();
  await broker.consume(queues.convergeQueue, async (d: Delivery) => {
    if (!southd.acking) return 'ack';
    const delta = d.type === messageTypes.chassisDelta ? ChassisDelta.decode(d.body) : undefined;
    const work = delta ?? ChassisState.decode(d.body);
    const left = (delta && rejected.get(work.chassisId)) || new Map<string, string>();
    for (const id of delta?.removedPorts ?? []) left.delete(id);
    for (const p of work.ports) {
      if (p.name.startsWith('rejected-')) left.set(p.interfaceId, p.mac);
      else left.delete(p.interfaceId);
    }
    rejected.set(work.chassisId, left);
    const ack = ChassisStateAck.encode({
      chassisId: work.chassisId,
      epoch: work.epoch,
      generation: work.generation,
      stateHash: `hash-${work.generation}`,
      error: '',
      rejectedPorts: [...left].map(([interfaceId, mac]) => ({
        interfaceId,
        reason: 'gateway-mac',
        message: `port "${interfaceId}": mac ${mac} is in the gateways' range`,
        remote: false,
      })),
      refused: '',
      needsFullState: false,
      changes: work.changes,
      contentHash: '',
    }).finish();
    await broker.publish(queues.acksExchange, '', Buffer.from(ack), {
      type: messageTypes.chassisStateAck,
    });
    return 'ack';
  });
  return southd;
}
