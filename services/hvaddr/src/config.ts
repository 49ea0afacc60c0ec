import { networkInterfaces } from 'node:os';
import {
  EnvReader,
  parseListenAddress,
  readServiceConfig,
  type ServiceConfig,
} from '@vpcd/observability';
import { parseIpv4 } from '@vpcd/dhcp';
import { DHCP_STEER_GROUP } from './dhcp/destination.js';
import type { ClientIdentityKind } from './dhcp/identify-client.js';

/** The shared service settings (METRICS_LISTEN, LOG_LEVEL, TLS, tracing) and hvaddr's own. */
export interface HvaddrConfig extends ServiceConfig {
  readonly chassisId: string;
  readonly northdAddr: string;
  /** Bearer token for northd (the admin token, or none with a client certificate). */
  readonly token: string | undefined;
  /**
   * DHCP_CLIENT_IDENTITY: `port` (default) serves a request for the interface of the port it
   * came in on, as br-int's flows mark it; `chaddr` trusts the client's hardware address
   * (development and load tests without Open vSwitch only).
   */
  readonly clientIdentity: ClientIdentityKind;
  /** Where the ports of the bridge are read (port identity): ovsdb-server's socket and bridge. */
  readonly ovsdb: { readonly socketPath: string; readonly bridge: string };
  readonly dhcpListen: { readonly host: string; readonly port: number };
  /** DHCP_INTERFACE and its IPv4 address, replies leave from it. */
  readonly dhcpInterface: { readonly name: string; readonly address: string } | undefined;
  /** Empty: each VPC's gateway. */
  readonly dnsServers: readonly string[];
  readonly leaseTimeS: number;
  readonly mtuBytes: number;
  readonly rateLimitPerS: number;
  readonly rateLimitWindowMs: number;
  readonly maxClients: number;
  readonly workers: number;
  readonly bindingsRefreshMs: number;
}

type Interfaces = ReturnType<typeof networkInterfaces>;

/**
 * Reads and checks the whole configuration; throws one EnvError naming every bad variable.
 * `interfaces` (default: this machine's) resolves DHCP_INTERFACE to its IPv4 address.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  interfaces: Interfaces = networkInterfaces(),
): HvaddrConfig {
  const r = new EnvReader(env);
  const base = readServiceConfig(r, env, { service: 'hvaddr', metricsListen: '0.0.0.0:9104' });
  const required = (name: string, example: string) => {
    const value = r.string(name);
    if (value === undefined) r.report(name, `required: ${example}`);
    return value ?? '';
  };
  const positive = (name: string, fallback: number) => {
    const raw = r.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isFinite(value) && value > 0) return value;
    r.report(name, `"${raw}" is not a number > 0`);
    return fallback;
  };
  const chassisId = required('CHASSIS_ID', 'the id this chassis registered with');
  const northdAddr = required('NORTHD_ADDR', 'host:port of northd');
  const clientIdentity = r.choice<ClientIdentityKind>(
    'DHCP_CLIENT_IDENTITY',
    ['port', 'chaddr'],
    'port',
  );
  if (clientIdentity === 'port' && r.string('DHCP_LISTEN') !== undefined) {
    r.report(
      'DHCP_LISTEN',
      `not used with DHCP_CLIENT_IDENTITY=port: requests arrive at ${DHCP_STEER_GROUP}:67 on DHCP_INTERFACE`,
    );
  }
  if (clientIdentity === 'port' && r.string('DHCP_INTERFACE') === undefined) {
    r.report('DHCP_INTERFACE', "required with DHCP_CLIENT_IDENTITY=port: hvaddr's port on br-int");
  }
  const dhcpListen = listenAddress(r, 'DHCP_LISTEN', '0.0.0.0:67');
  const ovsdbSocket = (r.string('OVSDB_SOCKET') ?? '/var/run/openvswitch/db.sock').replace(
    /^unix:/,
    '',
  );
  const bridge = r.string('OVS_BRIDGE') ?? 'br-int';
  const dhcpInterface = interfaceOf(r, interfaces);
  const dnsServers = (r.string('DNS_SERVERS') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const badDns = dnsServers.filter((s) => parseIpv4(s) === undefined);
  if (badDns.length > 0) r.report('DNS_SERVERS', `not IPv4 addresses: ${badDns.join(', ')}`);
  if (dnsServers.length > 8) r.report('DNS_SERVERS', 'at most 8 servers');
  const mtuBytes = r.integer('MTU', 68) ?? 1450;
  if (mtuBytes > 65535) r.report('MTU', `${mtuBytes} is more than 65535`);
  const config: HvaddrConfig = {
    ...base,
    chassisId,
    northdAddr,
    token: r.string('VPCD_TOKEN'),
    clientIdentity,
    ovsdb: { socketPath: ovsdbSocket, bridge },
    dhcpListen: clientIdentity === 'port' ? { host: DHCP_STEER_GROUP, port: 67 } : dhcpListen,
    dhcpInterface,
    dnsServers,
    leaseTimeS: r.integer('LEASE_TIME_S', 60) ?? 3600,
    mtuBytes,
    rateLimitPerS: positive('RATE_LIMIT_PER_S', 5),
    rateLimitWindowMs: r.integer('RATE_LIMIT_WINDOW_MS', 1) ?? 1000,
    maxClients: r.integer('MAX_CLIENTS', 1) ?? 10_000,
    workers: r.integer('WORKERS', 1) ?? 64,
    bindingsRefreshMs: r.integer('BINDINGS_REFRESH_MS', 100) ?? 5000,
  };
  r.throwIfInvalid();
  return Object.freeze(config);
}

function listenAddress(
  r: EnvReader,
  name: string,
  fallback: string,
): { host: string; port: number } {
  try {
    const parsed = parseListenAddress(r.string(name) ?? fallback);
    const host = parsed.host ?? '0.0.0.0';
    if (name === 'DHCP_LISTEN' && parseIpv4(host) === undefined) {
      r.report(name, `"${host}" is not an IPv4 address (DHCP is IPv4)`);
    }
    return { host, port: parsed.port };
  } catch (err) {
    r.report(name, (err as Error).message);
    return { host: '0.0.0.0', port: 0 };
  }
}

function interfaceOf(
  r: EnvReader,
  interfaces: Interfaces,
): { name: string; address: string } | undefined {
  const name = r.string('DHCP_INTERFACE');
  if (name === undefined) return undefined;
  const address = interfaces[name]?.find((a) => a.family === 'IPv4')?.address;
  if (address === undefined) {
    r.report('DHCP_INTERFACE', `"${name}" is not an interface with an IPv4 address`);
    return undefined;
  }
  return { name, address };
}
