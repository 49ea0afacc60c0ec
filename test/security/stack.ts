// A region in this process for the security suite: northd instances on one throwaway database
// and vhost, and on demand southd and hvflowd (memory datapath), each with its own registry.
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import {
  defaultExec,
  loadConfig as hvflowdConfig,
  startHvflowd,
  type Hvflowd,
} from '@vpcd/hvflowd';
import { createBroker } from '@vpcd/messaging';
import { testBusKey, type TestVhost, testVhostUrl } from '@vpcd/messaging/testing';
import type { Northd } from '@vpcd/northd';
import { startNorthdHarness } from '@vpcd/northd/testing';
import { createLogger, createRegistry, type Registry } from '@vpcd/observability';
import { northdClients, type NorthdClients } from '@vpcd/rpc';
import { loadConfig as southdConfig, startSouthd, type Southd } from '@vpcd/southd';

export const adminToken = 'security-suite-admin-token';

export type Clients = Omit<NorthdClients, 'close'>;

export interface Stack {
  readonly database: TestDatabase;
  readonly vhost: TestVhost;
  readonly northds: Array<{ northd: Northd; registry: Registry; address: string }>;
  /** Starts one more northd on the stack's database and vhost; `env` adds to its config. */
  startNorthd(
    env?: Record<string, string>,
  ): Promise<{ northd: Northd; registry: Registry; address: string }>;
  startSouthd(): Promise<{ southd: Southd; registry: Registry }>;
  /** One chassis on the memory datapath, registered with the first northd. */
  startHvflowd(chassisId: string, underlayIp: string): Promise<Hvflowd>;
  /** Clients of northd `index` (default the first) with `token`. */
  clients(token: string, index?: number): Clients;
  stop(): Promise<void>;
}

const silent = createLogger({ name: 'security-test', level: 'silent' });

export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const database = await createTestDatabase();
  const vhost = await testVhostUrl();
  const stoppers: Array<() => Promise<void>> = [];
  const closers: Array<() => void> = [];
  const northds: Stack['northds'] = [];
  const stack: Stack = {
    database,
    vhost,
    northds,
    async startNorthd(extra = {}) {
      // The harness's own deps, without the process-wide tracing: several northd share this process.
      const started = await startNorthdHarness({
        shared: { database, amqpUrl: vhost.url },
        logLevel: 'error',
        env: {
          VPCD_ADMIN_TOKEN: adminToken,
          NORTHD_ID: `northd-${northds.length}`,
          LOG_LEVEL: 'error',
          OTEL_SDK_DISABLED: 'true',
          ...env,
          ...extra,
        },
      });
      stoppers.push(() => started.stop());
      northds.push(started);
      return started;
    },
    async startSouthd() {
      const config = southdConfig({
        AMQP_URL: vhost.url,
        GRPC_LISTEN: '127.0.0.1:0',
        METRICS_LISTEN: '127.0.0.1:0',
        RETRY_INITIAL_DELAY_MS: '20',
        RETRY_MAX_DELAY_MS: '200',
        LOG_LEVEL: 'silent',
        ...testBusKey.env,
      });
      const registry = createRegistry({ service: 'southd', collectDefault: false });
      const broker = createBroker({
        url: vhost.url,
        logger: silent,
        registry,
        signingKeys: config.bus.signingKeys,
      });
      const southd = await startSouthd(config, {
        logger: silent,
        registry,
        tracing: undefined,
        broker,
      });
      stoppers.push(() => southd.stop());
      return { southd, registry };
    },
    async startHvflowd(chassisId, underlayIp) {
      // The agent's own identity: a service token minted by the operator, never the admin token.
      const { token } = await stack
        .clients(adminToken)
        .projects.createServiceToken({ role: 'hvflowd', subject: chassisId, requestId: '' });
      const config = hvflowdConfig({
        GRPC_LISTEN: '127.0.0.1:0',
        METRICS_LISTEN: '127.0.0.1:0',
        NORTHD_ADDR: northds[0]!.address,
        VPCD_TOKEN: token,
        CHASSIS_ID: chassisId,
        UNDERLAY_IP: underlayIp,
        // Plaintext: these suites are about quotas and limits, not who may deliver a state.
        HVFLOWD_INSECURE_DEV: 'true',
        DATAPATH: 'memory',
        HEARTBEAT_INTERVAL_MS: '500',
        LOG_LEVEL: 'silent',
        OTEL_SDK_DISABLED: 'true',
      });
      const registry = createRegistry({ service: 'hvflowd', collectDefault: false });
      const hvflowd = await startHvflowd(config, {
        logger: silent,
        registry,
        tracing: undefined,
        exec: defaultExec(),
      });
      stoppers.push(() => hvflowd.stop());
      return hvflowd;
    },
    clients(token, index = 0) {
      const c = northdClients({ address: northds[index]!.address, bearerToken: token });
      closers.push(() => c.close());
      return c;
    },
    async stop() {
      for (const close of closers.splice(0)) close();
      for (const stop of stoppers.splice(0).reverse()) await stop();
      await database.drop();
      await vhost.drop();
    },
  };
  await stack.startNorthd();
  return stack;
}

/** The value of one series in a registry's exposition, 0 when absent. */
export async function metricValue(registry: Registry, series: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

/** Polls `probe` until it returns something other than undefined; throws after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
