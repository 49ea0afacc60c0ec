// Shared set-up of northd's tests: a real northd on a throwaway database and broker vhost.
import type { TracerProvider } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import {
  ChassisDelta,
  ChassisServiceClient,
  ChassisState,
  ChassisStateAck,
  InterfaceServiceClient,
  messageTypes,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { migrate } from '@vpcd/db';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { createBroker, type Delivery } from '@vpcd/messaging';
import { testBusKey, testVhostUrl } from '@vpcd/messaging/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, type PromiseClient } from '@vpcd/rpc';
import { captureLogger } from '@vpcd/observability/testing';
import { loadConfig, type NorthdConfig } from './config.js';
import { createPools } from './db-pools.js';
import type { NorthdDeps } from './deps.js';
import { startNorthd, type Northd } from './server.js';
import { migrations } from './store/migrations.js';

export const adminToken = 'test-admin-token-0123456789';
export { testVhostUrl };

export interface Clients {
  vpcs: PromiseClient<VpcServiceClient>;
  interfaces: PromiseClient<InterfaceServiceClient>;
  chassis: PromiseClient<ChassisServiceClient>;
  projects: PromiseClient<ProjectServiceClient>;
  close(): void;
}

export function clients(address: string, token: string): Clients {
  const base = {
    address,
    logger: createLogger({ name: 'test-client', level: 'silent' }),
    registry: createRegistry({ service: 't', collectDefault: false }),
    bearerToken: token,
  };
  const c = {
    vpcs: createClient(VpcServiceClient, base),
    interfaces: createClient(InterfaceServiceClient, base),
    chassis: createClient(ChassisServiceClient, base),
    projects: createClient(ProjectServiceClient, base),
  };
  return { ...c, close: () => Object.values(c).forEach((x) => x.close()) };
}

export interface Harness {
  readonly northd: Northd;
  readonly config: NorthdConfig;
  readonly deps: NorthdDeps;
  readonly address: string;
  readonly admin: Clients;
  readonly database: TestDatabase;
  readonly amqpUrl: string;
  /** Every line northd logged, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts one northd in this process; `env` overrides the defaults below. */
export async function startHarness(
  env: Record<string, string> = {},
  shared?: { database: TestDatabase; amqpUrl: string },
  tracerProvider?: TracerProvider,
): Promise<Harness> {
  const database = shared?.database ?? (await createTestDatabase());
  const vhost = shared ? undefined : await testVhostUrl();
  const amqpUrl = shared?.amqpUrl ?? vhost!.url;
  const config = loadConfig({
    MYSQL_URL: database.url,
    AMQP_URL: amqpUrl,
    VPCD_ADMIN_TOKEN: adminToken,
    GRPC_LISTEN: '127.0.0.1:0',
    METRICS_LISTEN: '127.0.0.1:0',
    NORTHD_ID: `northd-${randomBytes(3).toString('hex')}`,
    LEASE_TTL_MS: '3000',
    CONVERGE_INTERVAL_MS: '200',
    LOG_LEVEL: 'warn',
    ...testBusKey.env,
    ...env,
  });
  const { logger, lines } = captureLogger('debug');
  const registry = createRegistry({ service: 'northd', collectDefault: false });
  const db = createPools({ url: config.mysqlUrl, logger, registry, tracerProvider });
  await migrate(db.control, migrations, { lockName: 'vpcd_northd_migrations' });
  const broker = createBroker({
    url: config.amqpUrl,
    logger,
    registry,
    name: config.northdId,
    signingKeys: config.bus.signingKeys,
  });
  const tracing = tracerProvider && { tracerProvider, shutdown: () => Promise.resolve() };
  const deps: NorthdDeps = { logger, registry, tracing, db, broker };
  const northd = await startNorthd(config, deps);
  const address = `127.0.0.1:${northd.grpcPort}`;
  const admin = clients(address, adminToken);
  return {
    northd,
    config,
    deps,
    address,
    admin,
    database,
    amqpUrl,
    logs: lines,
    async stop() {
      admin.close();
      await northd.stop();
      if (!shared) {
        await database.drop();
        await vhost?.drop();
      }
    },
  };
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value. */
export async function eventually<T>(
  read: () => Promise<T> | T,
  done: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** One converge message as the tests' stand-in for southd sees it. */
export type Work =
  | { readonly kind: 'full'; readonly state: ChassisState }
  | { readonly kind: 'delta'; readonly delta: ChassisDelta };

/** Reads a converge message: a full state or a delta, by its AMQP type. */
export function decodeWork(d: Delivery): Work {
  return d.type === messageTypes.chassisDelta
    ? { kind: 'delta', delta: ChassisDelta.decode(d.body) }
    : { kind: 'full', state: ChassisState.decode(d.body) };
}

/** The chassis, epoch, revision and change rows a message carries. */
export function workOf(work: Work): {
  chassisId: string;
  epoch: number;
  generation: number;
  changes: number[];
} {
  const m = work.kind === 'full' ? work.state : work.delta;
  return { chassisId: m.chassisId, epoch: m.epoch, generation: m.generation, changes: m.changes };
}

/**
 * What a chassis holds after `work`, as hvflowd applies it: a full state replaces what it held;
 * a delta applies on top of its base revision only (undefined otherwise: it needs a full state),
 * and a delta applied already leaves it as it is.
 * The result carries the message's epoch, revision and changes.
 */
export function applyWork(held: ChassisState | undefined, work: Work): ChassisState | undefined {
  if (work.kind === 'full') return work.state;
  const d = work.delta;
  // A duplicate (a resend of a delta already applied) is 'unchanged': `held` itself.
  if (held && held.epoch === d.epoch && d.generation <= held.generation) return held;
  if (!held || held.epoch !== d.epoch || held.generation !== d.baseGeneration) return undefined;
  const removedVpcs = new Set(d.removedVpcs);
  const keep = <T extends { vpcId: string }>(
    items: T[],
    id: (t: T) => string,
    removed: string[],
    added: T[],
  ) => {
    const gone = new Set([...removed, ...added.map(id)]);
    return [...items.filter((t) => !removedVpcs.has(t.vpcId) && !gone.has(id(t))), ...added];
  };
  return {
    chassisId: d.chassisId,
    epoch: d.epoch,
    generation: d.generation,
    changes: d.changes,
    vpcs: keep(held.vpcs, (v) => v.vpcId, d.removedVpcs, d.vpcs),
    ports: keep(held.ports, (p) => p.interfaceId, d.removedPorts, d.ports),
    remotePorts: keep(held.remotePorts, (p) => p.interfaceId, d.removedRemotePorts, d.remotePorts),
  };
}

/** The acknowledgement southd would send for `work`, applied unless `fields` say otherwise. */
export function ackOf(work: Work, fields: Partial<ChassisStateAck> = {}): Buffer {
  const { chassisId, epoch, generation, changes } = workOf(work);
  return Buffer.from(
    ChassisStateAck.encode(
      ChassisStateAck.fromPartial({
        chassisId,
        epoch,
        generation,
        changes,
        stateHash: `acked-${generation}`,
        ...fields,
      }),
    ).finish(),
  );
}
