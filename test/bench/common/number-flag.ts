import { parseArgs } from 'node:util';

/** A numeric command-line flag of a benchmark, checked against its bounds. */
export interface NumberFlag<K extends string> {
  readonly name: string;
  /** The option it sets. */
  readonly key: K;
  readonly fallback: number;
  /** The default with --quick, when it differs. */
  readonly quick?: number;
  readonly integer: boolean;
  readonly min: number;
  readonly max: number;
}

/**
 * The flag's value from `raw` (its default when absent, the --quick one when `quick`); a value
 * out of bounds is reported in `problems`, so one error can name every bad flag.
 */
export function readNumberFlag(
  raw: string | undefined,
  flag: NumberFlag<string>,
  problems: string[],
  quick = false,
): number {
  if (raw === undefined) return quick ? (flag.quick ?? flag.fallback) : flag.fallback;
  const value = Number(raw);
  const ok =
    raw.trim() !== '' &&
    Number.isFinite(value) &&
    value >= flag.min &&
    value <= flag.max &&
    (!flag.integer || Number.isInteger(value));
  if (!ok) {
    const kind = flag.integer ? 'an integer' : 'a number';
    problems.push(`--${flag.name} must be ${kind} from ${flag.min} to ${flag.max}`);
  }
  return value;
}

/** A benchmark's command line read by parseBenchFlags, its problems not yet thrown. */
export interface BenchFlags<K extends string> {
  readonly out: string | undefined;
  readonly quick: boolean;
  readonly numbers: Record<K, number>;
  /** Whether each flag was given (by its name), for defaults that depend on others. */
  readonly given: ReadonlySet<string>;
  /** What is wrong so far; the caller adds its own checks and throws with them all. */
  readonly problems: string[];
}

/**
 * Parses `--out FILE`, `--quick` and the numeric `flags` of a benchmark (flags given override
 * --quick's sizes), collecting every bad value in `problems` instead of throwing at the first.
 */
export function parseBenchFlags<K extends string>(
  argv: readonly string[],
  flags: readonly NumberFlag<K>[],
): BenchFlags<K> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      out: { type: 'string' },
      quick: { type: 'boolean' },
      ...Object.fromEntries(flags.map((f) => [f.name, { type: 'string' as const }])),
    },
  });
  const quick = values.quick === true;
  const problems: string[] = [];
  const raw = values as Record<string, string | undefined>;
  const numbers = Object.fromEntries(
    flags.map((f) => [f.key, readNumberFlag(raw[f.name], f, problems, quick)]),
  ) as Record<K, number>;
  const out = values.out;
  if (out === '') problems.push('--out must name a file');
  const given = new Set(flags.filter((f) => raw[f.name] !== undefined).map((f) => f.name));
  return { out, quick, numbers, given, problems };
}

/** Throws one Error naming every problem, if there is any. */
export function throwProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw new Error(`invalid arguments: ${problems.join('; ')}`);
}
