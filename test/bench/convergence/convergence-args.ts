import { parseBenchFlags, throwProblems, type NumberFlag } from '../common/number-flag.js';

/** The settings of one convergence benchmark run, validated and frozen. */
export interface ConvergenceBenchOptions {
  /** Markdown file whose convergence section is (re)written; absent: stdout only. */
  readonly out: string | undefined;
  /** Small sizes everywhere, to check that the benchmark works; its figures mean little. */
  readonly quick: boolean;
  /** Rounds; each measures every variant once, in alternating order. Default 3 (quick 1). */
  readonly rounds: number;
  /** Seconds of create load in each measured window. Default 10 (quick 2). */
  readonly seconds: number;
  /** Seconds of unmeasured load on each variant before the first round. Default 3 (quick 0). */
  readonly warmupSeconds: number;
  /** CreateInterface calls outstanding. Default 32 (quick 8). */
  readonly concurrency: number;
  /** VPCs each variant loads. Default 8 (quick 2). */
  readonly vpcs: number;
  /** Chassis each VPC spans. Default 8 (quick 2). */
  readonly chassisPerVpc: number;
  /** Interfaces in each VPC of the small variants before the load. Default 100 (quick 10). */
  readonly smallInterfaces: number;
  /** Interfaces in each VPC of the large variant before the load. Default 10,000 (quick 200). */
  readonly largeInterfaces: number;
  /** Change -> ACTIVE samples at idle in each round. Default 20 (quick 3). */
  readonly idleSamples: number;
  /** southd processes. Default 1. */
  readonly southds: number;
}

export const usage = `usage: node test/dist/bench/convergence/convergence-bench.js [--out FILE]
  [--quick] [--rounds N] [--seconds S] [--warmup-seconds S] [--concurrency N] [--vpcs N]
  [--chassis-per-vpc N] [--small-interfaces N] [--large-interfaces N] [--idle-samples N]
  [--southds N]

  --out FILE              write the results into FILE's convergence section (docs/benchmarks.md)
  --quick                 small sizes (2 VPCs of 10 and of 200, 2 s windows, 1 round): a check
  --rounds N              rounds, each measuring every variant, in alternating order (default 3)
  --seconds S             seconds of create load in each measured window (default 10)
  --warmup-seconds S      unmeasured load on each variant before the first round (default 3)
  --concurrency N         CreateInterface calls outstanding (default 32)
  --vpcs N                VPCs each variant loads (default 8)
  --chassis-per-vpc N     chassis each VPC spans (default 8)
  --small-interfaces N    interfaces in each small VPC before the load (default 100)
  --large-interfaces N    interfaces in each large VPC before the load (default 10000)
  --idle-samples N        change -> ACTIVE samples at idle in each round (default 20)
  --southds N             southd processes (default 1)`;

type NumberKey = Exclude<keyof ConvergenceBenchOptions, 'out' | 'quick'>;

const flags: readonly NumberFlag<NumberKey>[] = [
  { name: 'rounds', key: 'rounds', fallback: 3, quick: 1, integer: true, min: 1, max: 100 },
  { name: 'seconds', key: 'seconds', fallback: 10, quick: 2, integer: false, min: 1, max: 3600 },
  {
    name: 'warmup-seconds',
    key: 'warmupSeconds',
    fallback: 3,
    quick: 0,
    integer: false,
    min: 0,
    max: 600,
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
  { name: 'vpcs', key: 'vpcs', fallback: 8, quick: 2, integer: true, min: 1, max: 200 },
  {
    name: 'chassis-per-vpc',
    key: 'chassisPerVpc',
    fallback: 8,
    quick: 2,
    integer: true,
    min: 1,
    max: 200,
  },
  {
    name: 'small-interfaces',
    key: 'smallInterfaces',
    fallback: 100,
    quick: 10,
    integer: true,
    min: 0,
    max: 50_000,
  },
  {
    name: 'large-interfaces',
    key: 'largeInterfaces',
    fallback: 10_000,
    quick: 200,
    integer: true,
    min: 0,
    max: 50_000,
  },
  {
    name: 'idle-samples',
    key: 'idleSamples',
    fallback: 20,
    quick: 3,
    integer: true,
    min: 1,
    max: 10_000,
  },
  { name: 'southds', key: 'southds', fallback: 1, integer: true, min: 1, max: 8 },
];

/** Parses the command line (flags given override --quick's sizes); one Error names every bad flag. */
export function parseConvergenceBenchArgs(argv: readonly string[]): ConvergenceBenchOptions {
  const { out, quick, numbers, problems } = parseBenchFlags(argv, flags);
  const options: ConvergenceBenchOptions = { out, quick, ...numbers };
  if (options.vpcs * options.chassisPerVpc * 2 + options.chassisPerVpc > 9999) {
    problems.push('--vpcs times --chassis-per-vpc must leave the fleet under 10,000 chassis');
  }
  throwProblems(problems);
  return Object.freeze(options);
}
