import { EnvError, type EnvIssue } from './env-error.js';

/**
 * Reads variables from an environment and records every problem instead of throwing at the first;
 * `throwIfInvalid()` then raises one EnvError naming them all. Empty values count as unset, as
 * the OpenTelemetry specification says.
 */
export class EnvReader {
  private readonly issues: EnvIssue[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  string(variable: string): string | undefined {
    const value = this.env[variable]?.trim();
    return value === '' ? undefined : value;
  }

  /** A lower-cased value out of `allowed`, or `fallback` when unset. */
  choice<T extends string>(variable: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(variable)?.toLowerCase();
    if (value === undefined) return fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.report(variable, `"${value}" is not one of ${allowed.join(', ')}`);
    return fallback;
  }

  boolean(variable: string): boolean {
    return this.choice(variable, ['true', 'false'], 'false') === 'true';
  }

  /** A whole number >= `min` (milliseconds, sizes), or undefined when unset. */
  integer(variable: string, min: number): number | undefined {
    const value = this.string(variable);
    if (value === undefined) return undefined;
    if (/^\d+$/.test(value) && Number(value) >= min) return Number(value);
    this.report(variable, `"${value}" is not a whole number >= ${min}`);
    return undefined;
  }

  /** An absolute http(s) URL, or undefined when unset. */
  url(variable: string): string | undefined {
    const value = this.string(variable);
    if (value === undefined) return undefined;
    if (URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)) return value;
    this.report(variable, `"${value}" is not an http:// or https:// URL`);
    return undefined;
  }

  /** Records a problem found by the caller's own parsing. */
  report(variable: string, problem: string): void {
    this.issues.push({ variable, problem });
  }

  throwIfInvalid(): void {
    if (this.issues.length > 0) {
      throw new EnvError(this.issues);
    }
  }
}
