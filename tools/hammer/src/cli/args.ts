import { parseArgs } from 'node:util';
import type { DhcpTargetOptions } from '../dhcp/dhcp-target.js';
import type { GrpcTargetOptions } from '../grpc/grpc-target.js';
import { HammerError } from '../hammer-error.js';
import { parseMix, type Mix } from '../mix.js';
import {
  dhcpDefaultMix,
  dhcpDefaultTimeout,
  dhcpOptionNames,
  readDhcpOptions,
} from './dhcp-args.js';
import {
  grpcDefaultMix,
  grpcDefaultTimeout,
  grpcOptionNames,
  readGrpcOptions,
} from './grpc-args.js';
import { checkOption, count } from './option-check.js';
import { parseDurationMs, parseRatePerSecond } from './units.js';

/** The default mix of the gRPC mode. */
export const defaultMix = grpcDefaultMix;

export const usage = `usage: hammer [--mode grpc|dhcp] [options]

Drives a mix of calls (northd's gRPC API, or DHCP exchanges with hvaddr) at a rate or a
concurrency for a duration, and reports latency (HDR histograms) and errors by code, as JSON
and HTML.

  --mode grpc|dhcp       what to load (default grpc)
  --mix SPEC             CALL=WEIGHT,...; default dhcp: ${dhcpDefaultMix}, grpc:
                         ${grpcDefaultMix}
  --rate N[/s|/m]        open loop: N calls a second on schedule; latency from the intended send
  --concurrency N        closed loop: N callers back to back (default 10 without --rate)
  --duration D           how long to send (default 30s)
  --timeout D            deadline of each call (default grpc ${grpcDefaultTimeout}, dhcp ${dhcpDefaultTimeout})
  --max-in-flight N      open loop: most calls in flight (default 10000)
  --out PATH             write PATH.json and PATH.html
  -h, --help             this help

grpc (calls: createVpc getVpc listVpcs createInterface getInterface listInterfaces
deleteInterface listChassis syncInitialChassis):
  --addr HOST:PORT       northd (default $NORTHD_ADDR, else 127.0.0.1:50051)
  --token TOKEN          bearer token (default $VPCD_TOKEN); the admin token for --setup
  --tls-ca FILE          TLS: CA bundle of the server certificate (turns TLS on)
  --tls-cert FILE, --tls-key FILE, --tls-server-name NAME
  --setup                create a project, token, chassis, VPCs and interfaces for the run
  --setup-vpcs N         VPCs --setup creates (default 4, at most 64)
  --setup-chassis N      chassis --setup registers (default 4)
  --setup-interfaces N   interfaces --setup creates in each VPC (default 2)
  --cleanup              delete the interfaces and VPCs the run created, afterwards
  --vpc ID, --chassis ID act on these (repeatable) instead of those set up or found
  --project ID           project of createVpc with the admin token, without --setup

dhcp (calls: transaction = DISCOVER-OFFER-REQUEST-ACK, discover = DISCOVER-OFFER,
      flood = one DISCOVER as the client itself, no answer awaited):
  --server IPV4:PORT     the DHCP server (default 127.0.0.1:67)
  --clients N            distinct client MACs, used in turn (default 100)
  --first N              the MAC counter of the first client (default 0)
  --mac-prefix XX:XX:XX  first three bytes of the MACs; the rest count from 0 (default 02:68:6d)
  --relay IPV4           relay agent address bound at the server's port, sent in giaddr;
                         flood sends from it too (default 127.0.0.2)`;

/** What to drive: northd's API or a DHCP server. */
export type CliTarget =
  | { readonly kind: 'grpc'; readonly grpc: GrpcTargetOptions }
  | { readonly kind: 'dhcp'; readonly dhcp: DhcpTargetOptions };

export interface CliOptions {
  readonly target: CliTarget;
  readonly mix: Mix;
  readonly concurrency: number | undefined;
  readonly ratePerSecond: number | undefined;
  readonly durationMs: number;
  readonly maxInFlight: number | undefined;
  readonly out: string | undefined;
}

const options = {
  mode: { type: 'string' },
  addr: { type: 'string' },
  token: { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-server-name': { type: 'string' },
  server: { type: 'string' },
  clients: { type: 'string' },
  first: { type: 'string' },
  'mac-prefix': { type: 'string' },
  relay: { type: 'string' },
  mix: { type: 'string' },
  rate: { type: 'string' },
  concurrency: { type: 'string' },
  duration: { type: 'string' },
  timeout: { type: 'string' },
  'max-in-flight': { type: 'string' },
  setup: { type: 'boolean' },
  'setup-vpcs': { type: 'string' },
  'setup-chassis': { type: 'string' },
  'setup-interfaces': { type: 'string' },
  cleanup: { type: 'boolean' },
  vpc: { type: 'string', multiple: true },
  chassis: { type: 'string', multiple: true },
  project: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `undefined` for --help; a usage HammerError naming every bad option otherwise. */
export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new HammerError('usage', (err as Error).message.split(/\n|\. To specify/)[0]!);
  }
  if (values.help) return undefined;
  const problems: string[] = [];
  const mode = values.mode ?? 'grpc';
  if (mode !== 'grpc' && mode !== 'dhcp') problems.push(`--mode: "${mode}" is not grpc or dhcp`);
  const dhcp = mode === 'dhcp';
  const foreign = (dhcp ? grpcOptionNames : dhcpOptionNames).filter((n) => values[n] !== undefined);
  if (foreign.length > 0)
    problems.push(
      `${foreign.map((n) => `--${n}`).join(', ')}: not an option of --mode ${mode} (see --help)`,
    );
  let mix: Mix = {};
  try {
    mix = parseMix(values.mix ?? (dhcp ? dhcpDefaultMix : grpcDefaultMix));
  } catch (err) {
    problems.push((err as Error).message);
  }
  const rate = values.rate;
  const ratePerSecond = checkOption(
    problems,
    'rate',
    rate,
    parseRatePerSecond,
    'a rate like 200/s',
  );
  const concurrency = checkOption(
    problems,
    'concurrency',
    values.concurrency,
    count,
    'a whole number > 0',
  );
  if (rate !== undefined && values.concurrency !== undefined)
    problems.push('--rate (open loop) and --concurrency (closed loop) exclude each other');
  const duration = values.duration ?? '30s';
  const durationMs =
    checkOption(problems, 'duration', duration, parseDurationMs, 'a duration like 30s') ?? 0;
  const timeout = values.timeout ?? (dhcp ? dhcpDefaultTimeout : grpcDefaultTimeout);
  const timeoutMs = checkOption(
    problems,
    'timeout',
    timeout,
    parseDurationMs,
    'a duration like 10s',
  );
  const maxInFlight = checkOption(
    problems,
    'max-in-flight',
    values['max-in-flight'],
    count,
    'a whole number > 0',
  );
  const target: CliTarget = dhcp
    ? { kind: 'dhcp', dhcp: readDhcpOptions(values, timeoutMs, problems) }
    : { kind: 'grpc', grpc: readGrpcOptions(values, env, timeoutMs, problems) };
  if (problems.length > 0) throw new HammerError('usage', problems.join('; '));
  return { target, mix, concurrency, ratePerSecond, durationMs, maxInFlight, out: values.out };
}
