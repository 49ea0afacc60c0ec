import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@vpcd/db/testing';
import { startOvsSandbox, ovsSandboxUnavailable, type OvsSandbox } from '@vpcd/hvflowd/testing';
import { testBusKey, testVhostUrl } from '@vpcd/messaging/testing';
import { skipUnlessRequired } from '@vpcd/observability/testing';
import type { ClientTlsOptions } from '@vpcd/rpc';
import { agentCredentials } from './agent-credentials.js';
import { createRegionTls, type RegionTls } from './region-tls.js';
import { spawnService, type ServiceProcess } from './service-process.js';
import { loadQuotaEnv } from './load-quotas.js';

const serviceMain = (name: string) =>
  fileURLToPath(new URL(`../../../services/${name}/dist/main.js`, import.meta.url));

/** The simulated fleet's chassis are `sim-0000`, `sim-0001`, ... */
export const FLEET_PREFIX = 'sim';

export interface ChassisSpec {
  readonly id: string;
  readonly underlayIp: string;
  /** `ovs` needs root and Open vSwitch; without them the chassis falls back to `memory`. */
  readonly datapath: 'ovs' | 'memory';
}

export interface RegionOptions {
  /** Where every service's log goes. */
  readonly runDir: string;
  readonly northds?: number;
  readonly southds?: number;
  readonly chassis?: readonly ChassisSpec[];
  /** Simulated chassis in one fleet process; 0 for none. */
  readonly fleetSize?: number;
  /**
   * Whether northd and southd accept a simulated fleet's identity (ALLOW_FLEET_IDENTITIES, off
   * in production): default true when fleetSize > 0; set it for a fleet started apart
   * (test/bench/fleet-process.ts).
   */
  readonly fleetIdentities?: boolean;
  /** Fixed ports (the demo: 50051/9101, the next instance +10, ...) or ephemeral (tests). */
  readonly ports?: 'fixed' | 'ephemeral';
  readonly leaseTtlMs?: number;
  /** Extra environment for every service (OTEL_*, LOG_LEVEL). */
  readonly env?: Readonly<Record<string, string>>;
  /** A database to use instead of a throwaway one on the local server (chaos tests). */
  readonly database?: TestDatabase;
  /** A broker to use instead of a throwaway vhost on the local one (chaos tests). */
  readonly amqpUrl?: string;
  /**
   * Mutual TLS with a certificate per identity, as in production (default true). `false` runs
   * every service in plaintext, hvflowd under HVFLOWD_INSECURE_DEV, each agent with a service
   * token of its own identity (minted through northd once it is up): for the benchmarks, which
   * were measured in plaintext, and for tests of plaintext itself.
   */
  readonly tls?: boolean;
  /**
   * Extra environment for northd alone, and for southd alone (e.g. AMQP_URL of a broker user);
   * a function gives each instance its own (by index: a fault proxy per northd).
   */
  readonly northdEnv?: Readonly<Record<string, string>> | EnvOf;
  readonly southdEnv?: Readonly<Record<string, string>>;
  /**
   * Extra environment for the hvflowd of chassis `index`, e.g. HVFLOWD_ADDR of a fault proxy in
   * front of it, which northd hands to southd as the address to deliver states to.
   */
  readonly hvflowdEnv?: EnvOf;
}

/** Extra environment of the service instance or chassis of index `index`. */
export type EnvOf = (index: number) => Readonly<Record<string, string>>;

/** A running local region: real processes on real MariaDB, RabbitMQ and Open vSwitch. */
export interface Region {
  /** The operator's token: only northd and the operator's clients hold it. */
  readonly adminToken: string;
  /**
   * What authenticates `identity` (`hvflowd:<chassis>`, `hvaddr:<chassis>`,
   * `hvflowd-fleet:<prefix>`) towards northd: TLS_CERT, TLS_KEY and TLS_CA of its certificate,
   * or, without TLS, VPCD_TOKEN with a service token of that identity (never the admin token).
   */
  agentEnv(identity: string): Promise<Record<string, string>>;
  /** The region's CA and certificates; undefined when started with `tls: false`. */
  readonly tls: RegionTls | undefined;
  /** TLS options of an operator's client of northd (with `adminToken`); undefined: plaintext. */
  readonly clientTls: ClientTlsOptions | undefined;
  /** vpcctl's and hammer's TLS flags for northd (`--tls-ca <file> ...`), or none. */
  readonly cliTlsArgs: readonly string[];
  readonly mysqlUrl: string;
  readonly amqpUrl: string;
  readonly northds: ServiceProcess[];
  readonly southds: ServiceProcess[];
  readonly hvflowds: ServiceProcess[];
  /** The chassis given in the options, by the index of their hvflowd. */
  readonly chassis: readonly ChassisSpec[];
  /** The private Open vSwitch of chassis `index`; undefined for the memory datapath. */
  ovsSandbox(index: number): OvsSandbox | undefined;
  readonly fleet: ServiceProcess | undefined;
  /** host:port of the first northd. */
  readonly northdAddr: string;
  /** Chassis that fell back to the memory datapath, with the reason. */
  readonly fallbacks: ReadonlyArray<{ chassis: string; reason: string }>;
  /**
   * Starts northd `index` (again); `env` overrides any of its variables, e.g. MYSQL_URL of a
   * promoted replica, or GRPC_LISTEN to keep the port clients already use.
   */
  startNorthd(index: number, env?: Readonly<Record<string, string>>): Promise<ServiceProcess>;
  /** Starts southd `index` (again); `env` overrides any of its variables, e.g. AMQP_URL. */
  startSouthd(index: number, env?: Readonly<Record<string, string>>): Promise<ServiceProcess>;
  /**
   * Starts the hvflowd of chassis `index` (again); `env` overrides any of its variables, e.g.
   * GRPC_LISTEN to come back on the address the chassis registered, as a hypervisor's agent does.
   */
  startHvflowd(index: number, env?: Readonly<Record<string, string>>): Promise<ServiceProcess>;
  /** Every service, stopped (SIGTERM) in dependency order; then the throwaway database and vhost. */
  stop(): Promise<void>;
}

/** Starts the local region; on failure, what already started is stopped. */
export async function startRegion(o: RegionOptions): Promise<Region> {
  mkdirSync(o.runDir, { recursive: true });
  const adminToken = `vpcd-admin-${randomBytes(16).toString('hex')}`;
  const tls = o.tls === false ? undefined : createRegionTls(o.runDir);
  const database: TestDatabase = o.database ?? (await createTestDatabase());
  const vhost = o.amqpUrl
    ? { url: o.amqpUrl, drop: () => Promise.resolve() }
    : await testVhostUrl();
  const fixed = o.ports === 'fixed';
  const listen = (grpc: number, metrics: number, i: number) => ({
    GRPC_LISTEN: `127.0.0.1:${fixed ? grpc + 10 * i : 0}`,
    METRICS_LISTEN: `127.0.0.1:${fixed ? metrics + 10 * i : 0}`,
  });
  // Only northd and southd get the database and broker URLs (and their passwords).
  // GRPC_REFLECTION: grpcurl and grpc_cli can list and describe every service (off by default).
  const common = {
    LOG_LEVEL: 'info',
    OTEL_TRACES_EXPORTER: 'none',
    GRPC_REFLECTION: 'true',
    ...o.env,
  };
  const fleetIdentities = o.fleetIdentities ?? (o.fleetSize ?? 0) > 0;
  const base = {
    MYSQL_URL: database.url,
    AMQP_URL: vhost.url,
    ...common,
    ...(fleetIdentities ? { ALLOW_FLEET_IDENTITIES: 'true' } : {}),
  };
  const hvflowdBase = tls ? common : { ...common, HVFLOWD_INSECURE_DEV: 'true' };
  const northds: ServiceProcess[] = [];
  const southds: ServiceProcess[] = [];
  const hvflowds: ServiceProcess[] = [];
  const sandboxes: OvsSandbox[] = [];
  const fallbacks: Array<{ chassis: string; reason: string }> = [];
  let fleet: ServiceProcess | undefined;
  const chassis = o.chassis ?? [];
  const northdAddr = () => `127.0.0.1:${northds[0]!.grpcPort}`;
  // Each service's own credentials; the admin token goes to northd alone (below).
  const identity = agentCredentials({ tls, adminToken, northdAddr });

  const startNorthd = async (i: number, env: Readonly<Record<string, string>> = {}) => {
    const p = await spawnService({
      name: `northd-${i}`,
      script: serviceMain('northd'),
      readyMessage: 'northd started',
      logDir: o.runDir,
      env: {
        ...base,
        ...listen(50051, 9101, i),
        ...(await identity('northd')),
        VPCD_ADMIN_TOKEN: adminToken,
        NORTHD_ID: `northd-${i}`,
        LEASE_TTL_MS: String(o.leaseTtlMs ?? 3000),
        CONVERGE_INTERVAL_MS: '500',
        ...testBusKey.env,
        ...(typeof o.northdEnv === 'function' ? o.northdEnv(i) : o.northdEnv),
        ...loadQuotaEnv,
        ...env,
      },
    });
    northds[i] = p;
    return p;
  };
  const startSouthd = async (i: number, env: Readonly<Record<string, string>> = {}) => {
    const p = await spawnService({
      name: `southd-${i}`,
      script: serviceMain('southd'),
      readyMessage: 'southd started',
      logDir: o.runDir,
      env: {
        ...base,
        ...listen(50052, 9102, i),
        ...(await identity('southd')),
        ...testBusKey.env,
        ...o.southdEnv,
        ...env,
      },
    });
    southds[i] = p;
    return p;
  };
  const startHvflowd = async (i: number, env: Readonly<Record<string, string>> = {}) => {
    const spec = chassis[i]!;
    let datapath = spec.datapath;
    let ovsEnv: Record<string, string> = {};
    if (datapath === 'ovs') {
      // In CI (VPCD_REQUIRE_ALL_SUITES=1) a chassis asked on Open vSwitch must get it.
      const reason = skipUnlessRequired(await ovsSandboxUnavailable());
      if (reason) {
        fallbacks.push({ chassis: spec.id, reason });
        datapath = 'memory';
      } else {
        sandboxes[i] ??= await startOvsSandbox();
        ovsEnv = { ...sandboxes[i].env, OVS_DATAPATH_TYPE: 'netdev' };
      }
    }
    const p = await spawnService({
      name: `hvflowd-${spec.id}`,
      script: serviceMain('hvflowd'),
      readyMessage: 'hvflowd started',
      logDir: o.runDir,
      env: {
        ...hvflowdBase,
        ...ovsEnv,
        ...listen(50053, 9103, i),
        ...(await identity(`hvflowd:${spec.id}`)),
        NORTHD_ADDR: northdAddr(),
        CHASSIS_ID: spec.id,
        UNDERLAY_IP: spec.underlayIp,
        DATAPATH: datapath,
        HEARTBEAT_INTERVAL_MS: '2000',
        ...o.hvflowdEnv?.(i),
        ...env,
      },
    });
    hvflowds[i] = p;
    return p;
  };

  const stop = async () => {
    const all = [fleet, ...hvflowds, ...southds, ...northds].filter(
      (p): p is ServiceProcess => !!p,
    );
    await Promise.all(all.map((p) => p.stop()));
    await Promise.all(sandboxes.filter(Boolean).map((s) => s.stop()));
    await database.drop();
    await vhost.drop();
    tls?.ca.remove();
  };

  try {
    for (let i = 0; i < (o.northds ?? 2); i++) await startNorthd(i);
    for (let i = 0; i < (o.southds ?? 2); i++) await startSouthd(i);
    for (let i = 0; i < chassis.length; i++) await startHvflowd(i);
    if ((o.fleetSize ?? 0) > 0) {
      fleet = await spawnService({
        name: 'hvflowd-fleet',
        script: serviceMain('hvflowd'),
        readyMessage: 'hvflowd started',
        logDir: o.runDir,
        env: {
          ...hvflowdBase,
          ...listen(50083, 9133, 0),
          ...(await identity(`hvflowd-fleet:${FLEET_PREFIX}`)),
          NORTHD_ADDR: northdAddr(),
          SIMULATE_CHASSIS: String(o.fleetSize),
          FLEET_PREFIX,
          DATAPATH: 'memory',
        },
      });
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  return {
    adminToken,
    agentEnv: identity,
    tls,
    clientTls: tls?.operatorTls,
    cliTlsArgs: tls?.operatorArgs ?? [],
    mysqlUrl: database.url,
    amqpUrl: vhost.url,
    northds,
    southds,
    hvflowds,
    chassis,
    ovsSandbox: (index) => sandboxes[index],
    get fleet() {
      return fleet;
    },
    get northdAddr() {
      return northdAddr();
    },
    fallbacks,
    startNorthd,
    startSouthd,
    startHvflowd,
    stop,
  };
}
