import { parseArgs } from 'node:util';
import { readNumberFlag, type NumberFlag } from '../common/number-flag.js';

/** The settings of one northd benchmark run, validated and frozen. */
export interface NorthdBenchOptions {
  /** Markdown file whose northd section is (re)written; absent: stdout only. */
  readonly out: string | undefined;
  /** Seconds of closed-loop CreateInterface load. Default 10. */
  readonly createSeconds: number;
  /** CreateInterface calls kept outstanding. Default 32. */
  readonly concurrency: number;
  /** VPCs (/16) the CreateInterface load is spread over. Default 8. */
  readonly vpcs: number;
  /** Chassis the CreateInterface load is spread over. Default 8. */
  readonly chassis: number;
  /** Change -> ACTIVE samples taken one after another at idle. Default 200. */
  readonly latencySamples: number;
  /** Interfaces on the chassis that calls SyncInitialChassis. Default 1,000. */
  readonly syncInterfaces: number;
  /** Measured SyncInitialChassis calls, one at a time. Default 300. */
  readonly syncCalls: number;
  /** Chassis of the converge-pass measurement. Default 1,000. */
  readonly convergeChassis: number;
  /** Interfaces on each of those chassis. Default 3. */
  readonly interfacesPerChassis: number;
  /** Chassis sharing each VPC (/24) in that measurement. Default 10. */
  readonly chassisPerVpc: number;
  /** Converge passes measured over those chassis. Default 5. */
  readonly convergePasses: number;
}

export const usage = `usage: node test/dist/bench/northd/northd-bench.js [--out FILE] [--create-seconds S]
  [--concurrency N] [--vpcs N] [--chassis N] [--latency-samples N] [--sync-interfaces N]
  [--sync-calls N] [--converge-chassis N] [--interfaces-per-chassis N] [--chassis-per-vpc N]
  [--converge-passes N]

  --out FILE                  write the results into FILE's northd section (docs/benchmarks.md)
  --create-seconds S          closed-loop CreateInterface load (default 10)
  --concurrency N             CreateInterface calls outstanding (default 32)
  --vpcs N                    VPCs (/16) the load is spread over, at most 64 (default 8)
  --chassis N                 chassis the load is spread over (default 8)
  --latency-samples N         change -> ACTIVE samples at idle (default 200)
  --sync-interfaces N         interfaces of the SyncInitialChassis chassis (default 1000)
  --sync-calls N              measured SyncInitialChassis calls (default 300)
  --converge-chassis N        chassis of the converge-pass measurement (default 1000)
  --interfaces-per-chassis N  interfaces on each of them (default 3)
  --chassis-per-vpc N         chassis sharing each VPC (/24) there (default 10)
  --converge-passes N         converge passes measured (default 5)`;

type Flag = NumberFlag<Exclude<keyof NorthdBenchOptions, 'out'>>;

const flags: readonly Flag[] = [
  {
    name: 'create-seconds',
    key: 'createSeconds',
    fallback: 10,
    integer: false,
    min: 0.5,
    max: 600,
  },
  { name: 'concurrency', key: 'concurrency', fallback: 32, integer: true, min: 1, max: 1024 },
  { name: 'vpcs', key: 'vpcs', fallback: 8, integer: true, min: 1, max: 64 },
  { name: 'chassis', key: 'chassis', fallback: 8, integer: true, min: 1, max: 1000 },
  {
    name: 'latency-samples',
    key: 'latencySamples',
    fallback: 200,
    integer: true,
    min: 1,
    max: 1e5,
  },
  {
    name: 'sync-interfaces',
    key: 'syncInterfaces',
    fallback: 1000,
    integer: true,
    min: 1,
    max: 65000,
  },
  { name: 'sync-calls', key: 'syncCalls', fallback: 300, integer: true, min: 1, max: 1e5 },
  {
    name: 'converge-chassis',
    key: 'convergeChassis',
    fallback: 1000,
    integer: true,
    min: 1,
    max: 1e5,
  },
  {
    name: 'interfaces-per-chassis',
    key: 'interfacesPerChassis',
    fallback: 3,
    integer: true,
    min: 1,
    max: 240,
  },
  { name: 'chassis-per-vpc', key: 'chassisPerVpc', fallback: 10, integer: true, min: 1, max: 240 },
  { name: 'converge-passes', key: 'convergePasses', fallback: 5, integer: true, min: 1, max: 100 },
];

/** Addresses a /24 of the converge measurement holds for its interfaces (.10 to .249). */
export const addressesPerConvergeVpc = 240;
/** The /24s of 10.128.0.0/9, where the converge measurement's VPCs lie. */
export const maxConvergeVpcs = 128 * 256;

/** Parses the command line; throws one Error naming every bad flag. */
export function parseNorthdBenchArgs(argv: readonly string[]): NorthdBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      out: { type: 'string' },
      ...Object.fromEntries(flags.map((f) => [f.name, { type: 'string' as const }])),
    },
  });
  const problems: string[] = [];
  const raw = values as Record<string, string | undefined>;
  const numbers = Object.fromEntries(
    flags.map((f) => [f.key, readNumberFlag(raw[f.name], f, problems)]),
  ) as Omit<NorthdBenchOptions, 'out'>;
  const options: NorthdBenchOptions = { out: values.out, ...numbers };
  if (options.out === '') problems.push('--out must name a file');
  if (options.chassisPerVpc * options.interfacesPerChassis > addressesPerConvergeVpc) {
    problems.push(
      `--chassis-per-vpc times --interfaces-per-chassis must be at most ${addressesPerConvergeVpc}` +
        ' (the interfaces of one /24)',
    );
  }
  if (Math.ceil(options.convergeChassis / options.chassisPerVpc) > maxConvergeVpcs) {
    problems.push(
      `--converge-chassis over --chassis-per-vpc must be at most ${maxConvergeVpcs} VPCs`,
    );
  }
  if (problems.length > 0) throw new Error(`invalid arguments: ${problems.join('; ')}`);
  return Object.freeze(options);
}
