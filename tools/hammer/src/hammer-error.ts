/** Why a run could not happen: `usage` (bad options) or `setup` (the target could not prepare). */
export type HammerErrorKind = 'usage' | 'setup';

const brand = Symbol.for('vpcd.hammer.HammerError');

/** The error of the hammer's boundary; load errors are counted in the report, never thrown. */
export class HammerError extends Error {
  readonly [brand] = true;

  constructor(
    readonly kind: HammerErrorKind,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HammerError';
  }
}

export function isHammerError(err: unknown): err is HammerError {
  return typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true;
}
