import { readFileSync } from 'node:fs';
import type { ClientTlsOptions } from '@vpcd/rpc';
import type { GrpcTargetOptions } from '../grpc/grpc-target.js';
import { checkOption, count, countOrZero } from './option-check.js';

export const grpcDefaultMix = 'getVpc=4,listVpcs=1,createInterface=2,getInterface=3,listChassis=1';
export const grpcDefaultTimeout = '10s';

/** The options of `--mode grpc` (the default). */
export const grpcOptionNames = [
  'addr',
  'token',
  'tls-ca',
  'tls-cert',
  'tls-key',
  'tls-server-name',
  'setup',
  'setup-vpcs',
  'setup-chassis',
  'setup-interfaces',
  'cleanup',
  'vpc',
  'chassis',
  'project',
] as const;

interface GrpcValues {
  addr?: string;
  token?: string;
  'tls-ca'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-server-name'?: string;
  setup?: boolean;
  'setup-vpcs'?: string;
  'setup-chassis'?: string;
  'setup-interfaces'?: string;
  cleanup?: boolean;
  vpc?: string[];
  chassis?: string[];
  project?: string;
}

export function readGrpcOptions(
  values: GrpcValues,
  env: Readonly<Record<string, string | undefined>>,
  callDeadlineMs: number | undefined,
  problems: string[],
): GrpcTargetOptions {
  const check = <T>(name: keyof GrpcValues, parse: (t: string) => T | undefined, what: string) =>
    checkOption(problems, name, values[name] as string | undefined, parse, what);
  const setupVpcs = check('setup-vpcs', count, 'a whole number > 0');
  if (setupVpcs !== undefined && setupVpcs > 64) problems.push('--setup-vpcs: at most 64');
  const setupChassis = check('setup-chassis', count, 'a whole number > 0');
  const setupInterfaces = check('setup-interfaces', countOrZero, 'a whole number');
  const anySetupSize = [setupVpcs, setupChassis, setupInterfaces].some((v) => v !== undefined);
  if (anySetupSize && !values.setup) problems.push('--setup-* options need --setup');
  const tls = readTls(values, problems);
  const token = values.token ?? env.VPCD_TOKEN;
  return {
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
  };
}

function readTls(values: GrpcValues, problems: string[]): ClientTlsOptions | undefined {
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
