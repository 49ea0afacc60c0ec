import { parseArgs } from 'node:util';

/** The settings of one benchmark run, validated and frozen. */
export interface BenchOptions {
  /** Markdown file whose rpc-overhead section is (re)written; absent: stdout only. */
  readonly out: string | undefined;
  /** Rounds; each measures both variants once, bare first in odd rounds. Default 7. */
  readonly rounds: number;
  /** Measured seconds per variant per round. Default 5. */
  readonly measureSeconds: number;
  /** The variants of a round take turns every this many seconds. Default 0.5. */
  readonly sliceSeconds: number;
  /**
   * Seconds of load on a fresh server before it is measured. Default 5: a fresh server's CPU
   * time per call falls for about its first 4 s under load, while V8 compiles its hot code on
   * background threads whose CPU time counts; the rpc variant has more code to compile.
   */
  readonly warmupSeconds: number;
  /** Unary calls kept outstanding (closed loop). Default 32. */
  readonly concurrency: number;
  /** When set, every server child runs with --cpu-prof and writes its profile here. */
  readonly cpuProfDir: string | undefined;
  /**
   * Share of the rpc variant's calls that are traced (sampled, recorded and exported). Default
   * 0.1, a production setting; 1 traces every call.
   */
  readonly traceRatio: number;
}

export const usage = `usage: node test/dist/bench/rpc-overhead/rpc-overhead.js [--out FILE] [--rounds N]
  [--seconds S] [--slice-seconds S] [--warmup-seconds S] [--concurrency N]
  [--cpu-prof-dir DIR] [--trace-ratio R]

  --out FILE            write the results into FILE's rpc-overhead section (docs/benchmarks.md)
  --rounds N            rounds, each measuring both, bare first in odd ones (default 7)
  --seconds S           measured seconds per variant per round (default 5)
  --slice-seconds S     the two variants of a round take turns every S seconds (default 0.5)
  --warmup-seconds S    load on each fresh server before measuring (default 5)
  --concurrency N       outstanding unary calls (default 32)
  --cpu-prof-dir DIR    profile every server child (node --cpu-prof) into DIR
  --trace-ratio R       share of rpc calls traced, 0 to 1 (default 0.1; 1 traces every call)`;

function numberFlag(
  raw: string | undefined,
  name: string,
  fallback: number,
  check: { integer: boolean; min: number },
  problems: string[],
): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(value) &&
    value >= check.min &&
    (!check.integer || Number.isInteger(value));
  if (!ok) {
    problems.push(`--${name} must be ${check.integer ? 'an integer' : 'a number'} >= ${check.min}`);
  }
  return value;
}

/** Parses the command line; throws one Error naming every bad flag. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      out: { type: 'string' },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      'slice-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      concurrency: { type: 'string' },
      'cpu-prof-dir': { type: 'string' },
      'trace-ratio': { type: 'string' },
    },
  });
  const problems: string[] = [];
  const options: BenchOptions = {
    out: values.out,
    rounds: numberFlag(values.rounds, 'rounds', 7, { integer: true, min: 1 }, problems),
    measureSeconds: numberFlag(
      values.seconds,
      'seconds',
      5,
      { integer: false, min: 0.1 },
      problems,
    ),
    sliceSeconds: numberFlag(
      values['slice-seconds'],
      'slice-seconds',
      0.5,
      { integer: false, min: 0.05 },
      problems,
    ),
    warmupSeconds: numberFlag(
      values['warmup-seconds'],
      'warmup-seconds',
      5,
      { integer: false, min: 0 },
      problems,
    ),
    concurrency: numberFlag(
      values.concurrency,
      'concurrency',
      32,
      { integer: true, min: 1 },
      problems,
    ),
    cpuProfDir: values['cpu-prof-dir'],
    traceRatio: numberFlag(
      values['trace-ratio'],
      'trace-ratio',
      0.1,
      { integer: false, min: 0 },
      problems,
    ),
  };
  if (options.traceRatio > 1) problems.push('--trace-ratio must be at most 1');
  if (options.out === '') problems.push('--out must name a file');
  if (options.cpuProfDir === '') problems.push('--cpu-prof-dir must name a directory');
  if (problems.length > 0) throw new Error(`invalid arguments: ${problems.join('; ')}`);
  return Object.freeze(options);
}
