/**
 * Parses the value of `--name` when given; a value that does not parse adds a problem naming the
 * option (so that one usage error names every bad option) and gives undefined.
 */
export function checkOption<T>(
  problems: string[],
  name: string,
  text: string | undefined,
  parse: (t: string) => T | undefined,
  what: string,
): T | undefined {
  if (text === undefined) return undefined;
  const parsed = parse(text);
  if (parsed === undefined) problems.push(`--${name}: "${text}" is not ${what}`);
  return parsed;
}

/** A whole number > 0. */
export const count = (t: string) => (/^[1-9]\d*$/.test(t) ? Number(t) : undefined);
/** A whole number >= 0. */
export const countOrZero = (t: string) => (/^\d+$/.test(t) ? Number(t) : undefined);
