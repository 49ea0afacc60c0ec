import { hostname } from 'node:os';
import { VNI_MAX } from '@vpcd/flows';
import {
  EnvReader,
  readGrpcServiceConfig,
  tlsIdentity,
  type GrpcServiceConfig,
} from '@vpcd/observability';
import { maxChassisStatePorts } from '@vpcd/api';
import { readAuthConfig, type AuthConfig } from './auth/auth-config.js';
import { readResyncConfig, type ResyncConfig } from './resync/resync-config.js';
import { parseCidr, rfc1918, type Cidr } from './validation/ipv4.js';
import { readBusConfig, type BusConfig } from '@vpcd/messaging';

/** A project's limits; each is a count of objects the project may hold at once. */
export interface QuotaLimits {
  readonly maxVpcs: number;
  readonly maxInterfacesPerVpc: number;
  readonly maxInterfaces: number;
}

/** The shared service settings (listen addresses, LOG_LEVEL, tracing) and northd's own. */
export interface NorthdConfig extends Omit<GrpcServiceConfig, 'tls'> {
  readonly mysqlUrl: string;
  readonly amqpUrl: string;
  readonly northdId: string;
  readonly leaseTtlMs: number;
  /** CONVERGE_INTERVAL_MS: the safety pass over owned chassis with pending changes; default 2 s. */
  readonly convergeIntervalMs: number;
  /**
   * CONVERGE_BATCH_WINDOW_MS: changes to one chassis within this window of the first go out as
   * one message; default 5 ms, 0 sends each change as soon as none is in flight. At most 1 s.
   */
  readonly convergeBatchWindowMs: number;
  /**
   * CONVERGE_BURST_INTERVAL_MS: a chassis whose changes kept coming while its last message was
   * in flight gets its next one at most this long after that message; default 200 ms, 0 off.
   * At most 1 s.
   */
  readonly convergeBurstIntervalMs: number;
  /**
   * CONVERGE_AUDIT_INTERVAL_MS: mean time between audits of each owned chassis' content hash
   * (jittered by +-50%); default 10 min, 0 turns audits off, otherwise at least 1 s.
   */
  readonly convergeAuditIntervalMs: number;
  readonly adminToken: string;
  /** Token caches and the limit on failed authentications (see auth/auth-config.ts). */
  readonly auth: AuthConfig;
  /** TLS_CERT and TLS_KEY, with TLS_CA when set; undefined serves plaintext. */
  readonly tls: { certFile: string; keyFile: string; caFile: string | undefined } | undefined;
  readonly privateRanges: readonly Cidr[];
  /**
   * The highest VNI the pool hands out: VNI_MAX (2^24 - 1), the whole space the flows accept. No
   * variable sets it; tests lower it through this option to exhaust a small pool.
   */
  readonly vniMax: number;
  /** The broker: bus signing keys and amqps TLS files; see readBusConfig. */
  readonly bus: BusConfig;
  /**
   * The quotas of a project for which an admin set none: QUOTA_DEFAULT_VPCS (default 100),
   * QUOTA_DEFAULT_INTERFACES_PER_VPC (2000), QUOTA_DEFAULT_INTERFACES (10000).
   */
  readonly quotaDefaults: QuotaLimits;
  /**
   * CHASSIS_MAX_STATE_PORTS: the most ports (its interfaces plus the remote ports of its VPCs)
   * a chassis' state may hold; default and ceiling the largest whose state every hop carries
   * (maxChassisStatePorts of @vpcd/api).
   */
  readonly chassisMaxStatePorts: number;
  /** Admission of chassis (re)starting: RESYNC_* (see resync/resync-config.ts). */
  readonly resync: ResyncConfig;
}

/**
 * Reads and checks the whole configuration; throws one EnvError naming every bad variable.
 * TLS_CERT and TLS_KEY together turn TLS on; with TLS_CA, client certificates are verified when
 * presented (chassis agents and southd authenticate with them). The files are read again every
 * TLS_REFRESH_INTERVAL_MS, so renewed certificates serve new connections without a restart.
 */
export function loadConfig(env: NodeJS.ProcessEnv): NorthdConfig {
  const r = new EnvReader(env);
  const base = readGrpcServiceConfig(r, env, {
    service: 'northd',
    grpcListen: '0.0.0.0:50051',
    metricsListen: '0.0.0.0:9101',
  });
  const required = (name: string, what: string) => {
    const value = r.string(name);
    if (value === undefined) r.report(name, `required: ${what}`);
    return value ?? '';
  };
  const url = (name: string, protocols: string[], what: string) => {
    const value = required(name, what);
    if (value !== '' && !(URL.canParse(value) && protocols.includes(new URL(value).protocol))) {
      r.report(
        name,
        `"${value.replace(/\/\/[^@]*@/, '//***@')}" is not a ${protocols.join(' or ')} URL`,
      );
    }
    return value;
  };
  const adminToken = required('VPCD_ADMIN_TOKEN', 'the bootstrap admin bearer token');
  if (adminToken !== '' && adminToken.length < 16)
    r.report('VPCD_ADMIN_TOKEN', 'at least 16 characters');
  const ranges = (r.string('VPC_PRIVATE_CIDRS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((text) => {
      const cidr = parseCidr(text);
      if (typeof cidr === 'string')
        r.report('VPC_PRIVATE_CIDRS', `"${text}" is not a CIDR (${cidr})`);
      return cidr;
    })
    .filter((c): c is Cidr => typeof c !== 'string');
  const count = (name: string, fallback: number, max = 0xffff_ffff, min = 0) => {
    const value = r.integer(name, min) ?? fallback;
    if (value > max) r.report(name, `at most ${max}`);
    return value;
  };
  const quotaDefaults: QuotaLimits = Object.freeze({
    maxVpcs: count('QUOTA_DEFAULT_VPCS', 100),
    maxInterfacesPerVpc: count('QUOTA_DEFAULT_INTERFACES_PER_VPC', 2000),
    maxInterfaces: count('QUOTA_DEFAULT_INTERFACES', 10_000),
  });
  const chassisMaxStatePorts = count(
    'CHASSIS_MAX_STATE_PORTS',
    maxChassisStatePorts,
    maxChassisStatePorts,
    1,
  );
  const convergeAuditIntervalMs = count('CONVERGE_AUDIT_INTERVAL_MS', 600_000);
  if (convergeAuditIntervalMs > 0 && convergeAuditIntervalMs < 1000)
    r.report('CONVERGE_AUDIT_INTERVAL_MS', '0 (off) or at least 1000');
  const config: NorthdConfig = {
    ...base,
    mysqlUrl: url('MYSQL_URL', ['mysql:'], 'mysql://user:password@host:3306/database'),
    amqpUrl: url('AMQP_URL', ['amqp:', 'amqps:'], 'amqp://user:password@host:5672'),
    northdId: r.string('NORTHD_ID') ?? `${hostname()}-${process.pid}`,
    leaseTtlMs: r.integer('LEASE_TTL_MS', 500) ?? 10_000,
    convergeIntervalMs: r.integer('CONVERGE_INTERVAL_MS', 50) ?? 2_000,
    convergeBatchWindowMs: count('CONVERGE_BATCH_WINDOW_MS', 5, 1000),
    convergeBurstIntervalMs: count('CONVERGE_BURST_INTERVAL_MS', 200, 1000),
    convergeAuditIntervalMs,
    adminToken,
    auth: readAuthConfig(r),
    tls: tlsIdentity(base.tls),
    privateRanges: ranges.length > 0 ? ranges : rfc1918,
    vniMax: VNI_MAX,
    bus: readBusConfig(r),
    quotaDefaults,
    chassisMaxStatePorts,
    resync: readResyncConfig(r),
  };
  r.throwIfInvalid();
  return Object.freeze(config);
}
