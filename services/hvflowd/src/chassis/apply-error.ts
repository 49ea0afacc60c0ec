const brand = Symbol.for('vpcd.hvflowd.ApplyError');

/**
 * Why a chassis refused a state, as opposed to failing to program it:
 * - `stale-epoch`: its epoch is lower than the highest seen (work of a fenced northd);
 * - `wrong-chassis`: the state is another chassis' (or names none);
 * - `invalid-state`: the flows cannot be compiled from it (the cause lists every problem);
 * - `datapath`: what the datapath gave for it cannot be used (e.g. port numbers), a fault here
 *   that a retry may not meet.
 */
export type ApplyErrorCode = 'stale-epoch' | 'wrong-chassis' | 'invalid-state' | 'datapath';

/** The one error type of a chassis refusing a state; the handlers map it to a gRPC code. */
export class ApplyError extends Error {
  readonly [brand] = true;

  constructor(
    readonly code: ApplyErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ApplyError';
  }
}

/** True for an ApplyError from any copy of this package (no instanceof across copies). */
export function isApplyError(err: unknown): err is ApplyError {
  return typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true;
}

export function hasApplyCode(err: unknown, code: ApplyErrorCode): boolean {
  return isApplyError(err) && err.code === code;
}
