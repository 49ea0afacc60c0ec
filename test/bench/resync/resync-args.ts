import { parseBenchFlags, throwProblems, type NumberFlag } from '../common/number-flag.js';

/** The settings of one resync-storm benchmark run, validated and frozen. */
export interface ResyncBenchOptions {
  /** Markdown file whose resync-storm section is (re)written; absent: stdout only. */
  readonly out: string | undefined;
  /** Small sizes, to check that the benchmark works; its figures mean little. */
  readonly quick: boolean;
  /** Simulated chassis that restart at once. Default 1,000 (quick 100). */
  readonly fleet: number;
  /** Seconds of the API probe at idle, before the storm. Default 20 (quick 5). */
  readonly idleSeconds: number;
  /** API probe calls outstanding. Default 4. */
  readonly concurrency: number;
}

export const usage = `usage: node test/dist/bench/resync/resync-bench.js [--out FILE] [--quick] [--fleet N]
  [--idle-seconds S] [--concurrency N]

  --out FILE        write the results into FILE's resync-storm section (docs/benchmarks.md)
  --quick           small sizes (fleet 100, 5 s idle): a check, not figures
  --fleet N         simulated chassis that restart at once (default 1000)
  --idle-seconds S  seconds of the API probe at idle, before the storm (default 20)
  --concurrency N   API probe calls outstanding (default 4)`;

type NumberKey = Exclude<keyof ResyncBenchOptions, 'out' | 'quick'>;

const flags: readonly NumberFlag<NumberKey>[] = [
  { name: 'fleet', key: 'fleet', fallback: 1000, quick: 100, integer: true, min: 1, max: 9999 },
  {
    name: 'idle-seconds',
    key: 'idleSeconds',
    fallback: 20,
    quick: 5,
    integer: false,
    min: 1,
    max: 3600,
  },
  { name: 'concurrency', key: 'concurrency', fallback: 4, integer: true, min: 1, max: 256 },
];

/** Parses the command line; one Error names every bad flag. */
export function parseResyncBenchArgs(argv: readonly string[]): ResyncBenchOptions {
  const { out, quick, numbers, problems } = parseBenchFlags(argv, flags);
  throwProblems(problems);
  return Object.freeze({ out, quick, ...numbers });
}
