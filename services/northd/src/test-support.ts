// Shared set-up of northd's tests: a real northd on a throwaway database and broker vhost.
import type { TracerProvider } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import {
  ChassisServiceClient,
  InterfaceServiceClient,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { migrate } from '@vpcd/db';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { createBroker } from '@vpcd/messaging';
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
