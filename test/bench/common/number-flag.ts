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
