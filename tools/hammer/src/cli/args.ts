import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ClientTlsOptions } from '@vpcd/rpc';
import type { GrpcTargetOptions } from '../grpc/grpc-target.js';
import { HammerError } from '../hammer-error.js';
import { parseMix, type Mix } from '../mix.js';
import { parseDurationMs, parseRatePerSecond } from './units.js';

export const defaultMix = 'getVpc=4,listVpcs=1,createInterface=2,getInterface=3,listChassis=1';

export const usage = `usage: hammer [options]

Drives a mix of northd calls at a rate or a concurrency for a duration, and reports latency
(HDR histograms) and errors by code, as JSON and HTML.

  --addr HOST:PORT       northd (default $NORTHD_ADDR, else 127.0.0.1:50051)
  --token TOKEN          bearer token (default $VPCD_TOKEN); the admin token for --setup
  --tls-ca FILE          TLS: CA bundle of the server certificate (turns TLS on)
  --tls-cert FILE, --tls-key FILE, --tls-server-name NAME
  --mix SPEC             CALL=WEIGHT,... (default ${defaultMix})
                         calls: createVpc getVpc listVpcs createInterface getInterface
                         listInterfaces deleteInterface listChassis syncInitialChassis
  --rate N[/s|/m]        open loop: N calls a second on schedule; latency from the intended send
  --concurrency N        closed loop: N callers back to back (default 10 without --rate)
  --duration D           how long to send (default 30s)
  --timeout D            deadline of each call (default 10s)
  --max-in-flight N      open loop: most calls in flight (default 10000)
  --setup                create a project, token, chassis, VPCs and interfaces for the run
  --setup-vpcs N         VPCs --setup creates (default 4, at most 64)
  --setup-chassis N      chassis --setup registers (default 4)
  --setup-interfaces N   interfaces --setup creates in each VPC (default 2)
  --cleanup              delete the interfaces and VPCs the run created, afterwards
  --vpc ID, --chassis ID act on these (repeatable) instead of those set up or found
  --project ID           project of createVpc with the admin token, without --setup
  --out PATH             write PATH.json and PATH.html
  -h, --help             this help`;

export interface CliOptions {
  readonly grpc: GrpcTargetOptions;
  readonly mix: Mix;
  readonly concurrency: number | undefined;
  readonly ratePerSecond: number | undefined;
  readonly durationMs: number;
  readonly maxInFlight: number | undefined;
  readonly out: string | undefined;
}

const options = {
  addr: { type: 'string' },
  token: { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-server-name': { type: 'string' },
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
  const check = <T>(
    name: string,
    text: string | undefined,
    parse: (t: string) => T | undefined,
    what: string,
  ) => {
    if (text === undefined) return undefined;
    const parsed = parse(text);
    if (parsed === undefined) problems.push(`--${name}: "${text}" is not ${what}`);
    return parsed;
  };
  const count = (t: string) => (/^[1-9]\d*$/.test(t) ? Number(t) : undefined);
  const countOrZero = (t: string) => (/^\d+$/.test(t) ? Number(t) : undefined);
  let mix: Mix = {};
  try {
    mix = parseMix(values.mix ?? defaultMix);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const ratePerSecond = check('rate', values.rate, parseRatePerSecond, 'a rate like 200/s');
  const concurrency = check('concurrency', values.concurrency, count, 'a whole number > 0');
  if (values.rate !== undefined && values.concurrency !== undefined)
    problems.push('--rate (open loop) and --concurrency (closed loop) exclude each other');
  const durationMs =
    check('duration', values.duration ?? '30s', parseDurationMs, 'a duration like 30s') ?? 0;
  const callDeadlineMs = check('timeout', values.timeout, parseDurationMs, 'a duration like 10s');
  const maxInFlight = check('max-in-flight', values['max-in-flight'], count, 'a whole number > 0');
  const setupVpcs = check('setup-vpcs', values['setup-vpcs'], count, 'a whole number > 0');
  if (setupVpcs !== undefined && setupVpcs > 64) problems.push('--setup-vpcs: at most 64');
  const setupChassis = check('setup-chassis', values['setup-chassis'], count, 'a whole number > 0');
  const setupInterfaces = check(
    'setup-interfaces',
    values['setup-interfaces'],
    countOrZero,
    'a whole number',
  );
  const anySetupSize = [setupVpcs, setupChassis, setupInterfaces].some((v) => v !== undefined);
  if (anySetupSize && !values.setup) problems.push('--setup-* options need --setup');
  const tls = readTls(values, problems);
  if (problems.length > 0) throw new HammerError('usage', problems.join('; '));
  const token = values.token ?? env.VPCD_TOKEN;
  return {
    grpc: {
      address: values.addr ?? env.NORTHD_ADDR ?? '127.0.0.1:50051',
      token: token === '' ? undefined : token,
      tls,
      callDeadlineMs,
      setup: values.setup
        ? { vpcs: setupVpcs, chassis: setupChassis, interfacesPerVpc: setupInterfaces }
        : undefined,
      cleanup: values.cleanup === true,
      vpcIds: values.vpc,
      chassisIds: values.chassis,
      projectId: values.project,
    },
    mix,
    concurrency,
    ratePerSecond,
    durationMs,
    maxInFlight,
    out: values.out,
  };
}

function readTls(
  values: {
    'tls-ca'?: string;
    'tls-cert'?: string;
    'tls-key'?: string;
    'tls-server-name'?: string;
  },
  problems: string[],
): ClientTlsOptions | undefined {
  const read = (name: 'tls-ca' | 'tls-cert' | 'tls-key') => {
    const path = values[name];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      problems.push(`--${name}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? ''}`);
      return undefined;
    }
  };
  const tls = {
    ca: read('tls-ca'),
    cert: read('tls-cert'),
    key: read('tls-key'),
    serverName: values['tls-server-name'],
  };
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined))
    problems.push('--tls-cert and --tls-key go together');
  return Object.values(tls).some((v) => v !== undefined) ? tls : undefined;
}
