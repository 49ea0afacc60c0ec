import { hostname } from 'node:os';
import {
  EnvReader,
  readGrpcServiceConfig,
  tlsIdentity,
  type GrpcServiceConfig,
} from '@vpcd/observability';
import {
  advertisedAddressProblem,
  bridgeNameProblem,
  dnsLabelProblem,
  hostPortProblem,
  ipv4Problem,
} from './config-checks.js';
import type { DatapathKind } from './datapath/datapath.js';

/** One chassis (this host), or a fleet of simulated ones in this process. */
export type ChassisMode =
  | { readonly kind: 'single'; readonly chassisId: string; readonly underlayIp: string }
  | { readonly kind: 'fleet'; readonly size: number; readonly prefix: string };

/** The shared service settings (listen addresses, LOG_LEVEL, tracing) and hvflowd's own. */
export interface HvflowdConfig extends Omit<GrpcServiceConfig, 'tls'> {
  readonly northdAddr: string;
  /** Bearer token for northd; undefined when a TLS client certificate authenticates us. */
  readonly token: string | undefined;
  readonly chassis: ChassisMode;
  /** HVFLOWD_ADDR as given; undefined derives it from GRPC_LISTEN and the bound port. */
  readonly hvflowdAddr: string | undefined;
  /** Registered as the chassis' hostname. */
  readonly hostname: string;
  readonly datapath: DatapathKind;
  readonly ovs: {
    readonly bridge: string;
    readonly datapathType: string | undefined;
    /** DHCP_PORT: hvaddr's port on the bridge, which DHCP is steered to; default `vpcd-dhcp`. */
    readonly dhcpPort: string;
    /** The ovs-* commands' environment: PATH and every OVS_* variable. */
    readonly env: Readonly<Record<string, string>>;
  };
  readonly heartbeatIntervalMs: number;
  /** TLS_CERT and TLS_KEY, with TLS_CA when set; undefined only with HVFLOWD_INSECURE_DEV. */
  readonly tls: { certFile: string; keyFile: string; caFile: string | undefined } | undefined;
  /**
   * HVFLOWD_INSECURE_DEV=true: start without TLS or without a client CA, so that anyone who
   * reaches GRPC_LISTEN may program this chassis. Local development only; logged loudly.
   */
  readonly insecureDev: boolean;
}

/** Port of HvflowdService when GRPC_LISTEN does not name one. */
export const DEFAULT_GRPC_PORT = 50053;
/** Underlay addresses of simulated chassis are 100.64.0.1 onwards, within 100.64.0.0/16. */
export const MAX_FLEET_SIZE = 65_534;
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Reads and checks the whole configuration; throws one EnvError naming every bad variable.
 * SIMULATE_CHASSIS=N turns on fleet mode (N chassis on the memory driver, no CHASSIS_ID or
 * UNDERLAY_IP); otherwise CHASSIS_ID and UNDERLAY_IP are required. hvflowd is never open:
 * TLS_CERT, TLS_KEY and TLS_CA (southd's client certificate is required) are required unless
 * HVFLOWD_INSECURE_DEV=true. GRPC_LISTEN defaults to the underlay address (a fleet: loopback).
 */
export function loadConfig(env: NodeJS.ProcessEnv): HvflowdConfig {
  const r = new EnvReader(env);
  const check = (
    name: string,
    value: string | undefined,
    problem: (v: string) => string | undefined,
  ) => {
    const found = value === undefined || value === '' ? undefined : problem(value);
    if (found !== undefined) r.report(name, found);
    return value;
  };
  const required = (name: string, what: string) => {
    const value = r.string(name);
    if (value === undefined) r.report(name, `required: ${what}`);
    return value ?? '';
  };

  const fleetSize = r.integer('SIMULATE_CHASSIS', 0) ?? 0;
  if (fleetSize > MAX_FLEET_SIZE) r.report('SIMULATE_CHASSIS', `at most ${MAX_FLEET_SIZE}`);
  const chassis = fleetSize > 0 ? fleetMode(r, fleetSize) : singleMode(r, required, check);
  const datapath = r.choice<DatapathKind>(
    'DATAPATH',
    ['ovs', 'memory'],
    fleetSize > 0 ? 'memory' : 'ovs',
  );
  if (fleetSize > 0 && datapath !== 'memory') {
    r.report('DATAPATH', 'fleet mode (SIMULATE_CHASSIS) simulates chassis on the memory driver');
  }

  // On a hypervisor, only the underlay faces southd: never every interface by default. A
  // simulated fleet (dev and bench) has no underlay of its own and is reached on this host.
  const base = readGrpcServiceConfig(r, env, {
    service: 'hvflowd',
    grpcListen: `${chassis.kind === 'single' && chassis.underlayIp !== '' ? chassis.underlayIp : '127.0.0.1'}:${DEFAULT_GRPC_PORT}`,
    metricsListen: '0.0.0.0:9103',
  });
  const { certFile, keyFile, caFile } = base.tls;
  const insecureDev = r.boolean('HVFLOWD_INSECURE_DEV');
  if (!insecureDev) {
    const tlsFiles: Array<[string, string | undefined]> = [
      ['TLS_CERT', certFile],
      ['TLS_KEY', keyFile],
      ['TLS_CA', caFile],
    ];
    for (const [name, value] of tlsFiles) {
      if (value === undefined) {
        r.report(
          name,
          'required: hvflowd serves only mutual TLS (TLS_CERT, TLS_KEY, and TLS_CA for ' +
            "southd's client certificate); HVFLOWD_INSECURE_DEV=true starts it open, for " +
            'local development only',
        );
      }
    }
  }
  const token = r.string('VPCD_TOKEN');
  if (token === undefined && (certFile === undefined || keyFile === undefined)) {
    r.report(
      'VPCD_TOKEN',
      'required: a bearer token for northd, unless TLS_CERT/TLS_KEY authenticate',
    );
  }
  const datapathType = r.string('OVS_DATAPATH_TYPE');
  check('OVS_DATAPATH_TYPE', datapathType, (v) =>
    ['netdev', 'system'].includes(v) ? undefined : `"${v}" is not one of netdev, system`,
  );

  const config: HvflowdConfig = {
    ...base,
    northdAddr:
      check('NORTHD_ADDR', required('NORTHD_ADDR', 'host:port of northd'), hostPortProblem) ?? '',
    token,
    chassis,
    hvflowdAddr: check('HVFLOWD_ADDR', r.string('HVFLOWD_ADDR'), advertisedAddressProblem),
    hostname: hostname(),
    datapath,
    ovs: {
      bridge:
        check('OVS_BRIDGE', r.string('OVS_BRIDGE') ?? 'br-int', bridgeNameProblem) ?? 'br-int',
      datapathType,
      dhcpPort:
        check('DHCP_PORT', r.string('DHCP_PORT') ?? 'vpcd-dhcp', bridgeNameProblem) ?? 'vpcd-dhcp',
      env: ovsEnvironment(env),
    },
    heartbeatIntervalMs: r.integer('HEARTBEAT_INTERVAL_MS', 10) ?? 5_000,
    tls: tlsIdentity(base.tls),
    insecureDev,
  };
  r.throwIfInvalid();
  return Object.freeze(config);
}

function fleetMode(r: EnvReader, size: number): ChassisMode {
  for (const name of ['CHASSIS_ID', 'UNDERLAY_IP']) {
    if (r.string(name) !== undefined) {
      r.report(
        name,
        'not used in fleet mode (SIMULATE_CHASSIS): chassis are named and addressed by the fleet',
      );
    }
  }
  const prefix = r.string('FLEET_PREFIX') ?? 'sim';
  const problem = dnsLabelProblem(fleetChassisId(prefix, size - 1, size));
  if (problem !== undefined) r.report('FLEET_PREFIX', `the chassis ids it makes: ${problem}`);
  return { kind: 'fleet', size, prefix };
}

function singleMode(
  r: EnvReader,
  required: (name: string, what: string) => string,
  check: (
    name: string,
    value: string | undefined,
    problem: (v: string) => string | undefined,
  ) => unknown,
): ChassisMode {
  const chassisId = required(
    'CHASSIS_ID',
    "this chassis' id (a DNS label), unless SIMULATE_CHASSIS is set",
  );
  check('CHASSIS_ID', chassisId, dnsLabelProblem);
  const underlayIp = required(
    'UNDERLAY_IP',
    'the IPv4 address tunnels to this chassis are sent to',
  );
  check('UNDERLAY_IP', underlayIp, ipv4Problem);
  return { kind: 'single', chassisId, underlayIp };
}

/** The id of simulated chassis `index` of a fleet of `size`: `sim-0000`, `sim-0001`, ... */
export function fleetChassisId(prefix: string, index: number, size: number): string {
  const width = Math.max(4, String(size - 1).length);
  return `${prefix}-${String(index).padStart(width, '0')}`;
}

/** The underlay address of simulated chassis `index`: 100.64.0.1 onwards. */
export function fleetUnderlayIp(index: number): string {
  const n = index + 1;
  return `100.64.${Math.floor(n / 256)}.${n % 256}`;
}

function ovsEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const passed: Record<string, string> = { PATH: env.PATH ?? DEFAULT_PATH };
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('OVS_') && value !== undefined) passed[name] = value;
  }
  return passed;
}
