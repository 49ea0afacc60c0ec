// The one northd test harness: a real northd in this process on a throwaway (or shared)
// database and broker vhost. northd's own tests, the security suites, vpcctl's and hammer's
// tests start it here, each with the config, TLS, logs and instance count it needs.
import type { TracerProvider } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import { migrate } from '@vpcd/db';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { createBroker } from '@vpcd/messaging';
import { testBusKey, testVhostUrl } from '@vpcd/messaging/testing';
import { createRegistry, type Registry } from '@vpcd/observability';
import { captureLogger } from '@vpcd/observability/testing';
import { northdClients, type NorthdClients } from '@vpcd/rpc';
import type { Level, Logger } from 'pino';
import { loadConfig, type NorthdConfig } from '../config.js';
import { createPools } from '../db-pools.js';
import type { NorthdDeps } from '../deps.js';
import { startNorthd, type Northd } from '../server.js';
import { migrations } from '../store/migrations.js';

export const adminToken = 'test-admin-token-0123456789';

/** The environment every harness northd starts from; the caller's `env` overrides it. */
export function harnessEnv(
  database: { readonly url: string },
  amqpUrl: string,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
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
  };
}

/**
 * northd's parts as createDeps builds them, without the process-wide tracing (several northd
 * may share this process), on a migrated database.
 */
export async function northdDeps(
  config: NorthdConfig,
  options: { logger: Logger; registry?: Registry; tracerProvider?: TracerProvider },
): Promise<NorthdDeps> {
  const { logger, tracerProvider } = options;
  const registry = options.registry ?? createRegistry({ service: 'northd', collectDefault: false });
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
  return { logger, registry, tracing, db, broker };
}

export interface HarnessOptions {
  /** Config overrides, on top of harnessEnv's defaults. */
  readonly env?: Record<string, string>;
  /** A database and vhost others share (kept at stop); a throwaway pair otherwise. */
  readonly shared?: { readonly database: TestDatabase; readonly amqpUrl: string };
  readonly tracerProvider?: TracerProvider;
  /** The least level kept in `logs` (default debug). */
  readonly logLevel?: Level;
  /** Changes the loaded config before start, for fields no variable sets. */
  readonly config?: (config: NorthdConfig) => NorthdConfig;
}

export interface Harness {
  readonly northd: Northd;
  readonly config: NorthdConfig;
  readonly deps: NorthdDeps;
  readonly registry: Registry;
  /** `127.0.0.1:<port>` of its gRPC API. */
  readonly address: string;
  /** Its bootstrap admin token. */
  readonly adminToken: string;
  /** Clients with the admin token (plaintext). */
  readonly admin: NorthdClients;
  readonly database: TestDatabase;
  readonly amqpUrl: string;
  /** Every line northd logged, parsed. */
  readonly logs: Array<Record<string, unknown>>;
  /** Stops northd; drops the database and vhost unless they are shared. */
  stop(): Promise<void>;
}

/** Starts one northd in this process with `options` (see HarnessOptions). */
export async function startNorthdHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { shared, tracerProvider } = options;
  const database = shared?.database ?? (await createTestDatabase());
  const vhost = shared ? undefined : await testVhostUrl();
  const amqpUrl = shared?.amqpUrl ?? vhost!.url;
  const loaded = loadConfig(harnessEnv(database, amqpUrl, options.env));
  const config = options.config ? options.config(loaded) : loaded;
  const { logger, lines } = captureLogger(options.logLevel ?? 'debug');
  const deps = await northdDeps(config, { logger, tracerProvider });
  const northd = await startNorthd(config, deps).catch(async (err: unknown) => {
    // A northd that failed to start leaves its connections and throwaway stores to us.
    await deps.broker.close();
    await deps.db.close();
    if (!shared) {
      await database.drop();
      await vhost?.drop();
    }
    throw err;
  });
  const address = `127.0.0.1:${northd.grpcPort}`;
  const admin = northdClients({ address, bearerToken: config.adminToken });
  return {
    northd,
    config,
    deps,
    registry: deps.registry,
    address,
    adminToken: config.adminToken,
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
