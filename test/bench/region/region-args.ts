import { parseBenchFlags, throwProblems, type NumberFlag } from '../common/number-flag.js';

/** The settings of one region benchmark run, validated and frozen. */
export interface RegionBenchOptions {
  /** Markdown file whose region section is (re)written; absent: stdout only. */
  readonly out: string | undefined;
  /** Small sizes everywhere, to check that the benchmark works; its figures mean little. */
  readonly quick: boolean;
  /** Simulated chassis in the fleet process. Default 1,000 (quick 100). */
  readonly fleet: number;
  /** Interfaces on each fleet chassis. Default 2. */
  readonly interfacesPerChassis: number;
  /** Fleet chassis sharing one VPC (/24). Default 10. */
  readonly chassisPerVpc: number;
  /** Change -> ACTIVE samples at idle, one after another. Default 100 (quick 10). */
  readonly idleSamples: number;
  /** Seconds of hammer load (closed loop). Default 120 (quick 15). */
  readonly hammerSeconds: number;
  /** Hammer calls outstanding. Default 32 (quick 8). */
  readonly concurrency: number;
  /** Fleet chassis the hammer's interfaces go to, besides the memory chassis. Default 14 (or the fleet). */
  readonly hammerChassis: number;
  /** kill -9 repetitions of the failover measurement. Default 3 (quick 1). */
  readonly failovers: number;
  /** LEASE_TTL_MS of every northd. Default 3,000. */
  readonly leaseTtlMs: number;
}

export const usage = `usage: node test/dist/bench/region/region-bench.js [--out FILE] [--quick] [--fleet N]
  [--interfaces-per-chassis N] [--chassis-per-vpc N] [--idle-samples N] [--hammer-seconds S]
  [--concurrency N] [--hammer-chassis N] [--failovers N] [--lease-ttl-ms MS]

  --out FILE                  write the results into FILE's region section (docs/benchmarks.md)
  --quick                     small sizes (fleet 100, 15 s of load, 1 failover): a check, not figures
  --fleet N                   simulated chassis in the fleet process (default 1000)
  --interfaces-per-chassis N  interfaces on each fleet chassis (default 2)
  --chassis-per-vpc N         fleet chassis sharing one VPC (/24) (default 10)
  --idle-samples N            change -> ACTIVE samples at idle (default 100)
  --hammer-seconds S          seconds of hammer load (default 120)
  --concurrency N             hammer calls outstanding (default 32)
  --hammer-chassis N          fleet chassis the hammer's interfaces go to (default 14)
  --failovers N               kill -9 repetitions (default 3)
  --lease-ttl-ms MS           LEASE_TTL_MS of every northd (default 3000)`;

const defaultHammerChassis = 14;

type NumberKey = Exclude<keyof RegionBenchOptions, 'out' | 'quick'>;

type Flag = NumberFlag<NumberKey>;

const flags: readonly Flag[] = [
  { name: 'fleet', key: 'fleet', fallback: 1000, quick: 100, integer: true, min: 1, max: 65_000 },
  {
    name: 'interfaces-per-chassis',
    key: 'interfacesPerChassis',
    fallback: 2,
    integer: true,
    min: 1,
    max: 240,
  },
  { name: 'chassis-per-vpc', key: 'chassisPerVpc', fallback: 10, integer: true, min: 1, max: 240 },
  {
    name: 'idle-samples',
    key: 'idleSamples',
    fallback: 100,
    quick: 10,
    integer: true,
    min: 1,
    max: 1e5,
  },
  {
    name: 'hammer-seconds',
    key: 'hammerSeconds',
    fallback: 120,
    quick: 15,
    integer: false,
    min: 3,
    max: 3600,
  },
  {
    name: 'concurrency',
    key: 'concurrency',
    fallback: 32,
    quick: 8,
    integer: true,
    min: 1,
    max: 1024,
  },
  {
    name: 'hammer-chassis',
    key: 'hammerChassis',
    fallback: defaultHammerChassis,
    integer: true,
    min: 1,
    max: 65_000,
  },
  { name: 'failovers', key: 'failovers', fallback: 3, quick: 1, integer: true, min: 1, max: 100 },
  {
    name: 'lease-ttl-ms',
    key: 'leaseTtlMs',
    fallback: 3000,
    integer: true,
    min: 500,
    max: 600_000,
  },
];

/** Addresses of a fleet VPC's /24 that interfaces take (.10 to .249). */
export const addressesPerFleetVpc = 240;
/** The /24s of 10.128.0.0/9, where the fleet's VPCs lie. */
export const maxFleetVpcs = 128 * 256;

/** Parses the command line (flags given override --quick's sizes); one Error names every bad flag. */
export function parseRegionBenchArgs(argv: readonly string[]): RegionBenchOptions {
  const { out, quick, numbers, given, problems } = parseBenchFlags(argv, flags);
  // Without the flag, a fleet smaller than the default gives all of its chassis to the hammer.
  if (!given.has('hammer-chassis'))
    numbers.hammerChassis = Math.min(defaultHammerChassis, numbers.fleet);
  const options: RegionBenchOptions = { out, quick, ...numbers };
  if (options.chassisPerVpc * options.interfacesPerChassis > addressesPerFleetVpc) {
    problems.push(
      `--chassis-per-vpc times --interfaces-per-chassis must be at most ${addressesPerFleetVpc}` +
        ' (the interfaces of one /24)',
    );
  }
  if (Math.ceil(options.fleet / options.chassisPerVpc) > maxFleetVpcs) {
    problems.push(`--fleet over --chassis-per-vpc must be at most ${maxFleetVpcs} VPCs`);
  }
  if (options.hammerChassis > options.fleet)
    problems.push('--hammer-chassis must be at most --fleet');
  throwProblems(problems);
  return Object.freeze(options);
}
