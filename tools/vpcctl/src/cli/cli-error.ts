/** Why a run failed: `usage` (exit 2, the command line is wrong) or `failure` (exit 1). */
export type CliErrorKind = 'usage' | 'failure';

const brand = Symbol.for('vpcd.vpcctl.CliError');

/** The error of the CLI boundary; its message is the one line printed after `vpcctl: `. */
export class CliError extends Error {
  readonly [brand] = true;

  constructor(
    readonly kind: CliErrorKind,
    message: string,
    options: { cause?: unknown; usage?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'CliError';
    this.usage = options.usage;
  }

  /** The usage text printed under a usage error; run() adds the command's usage when absent. */
  readonly usage: string | undefined;

  get exitCode(): 1 | 2 {
    return this.kind === 'usage' ? 2 : 1;
  }
}

export function isCliError(err: unknown): err is CliError {
  return typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true;
}

export function usageError(message: string, usage?: string): CliError {
  return new CliError('usage', message, { usage });
}
