const brand = Symbol.for('vpcd.flows.FlowsError');

/**
 * What went wrong, for callers that branch on it:
 * - `invalid-state`: the ChassisState cannot be compiled (every problem is listed in `problems`);
 * - `invalid-delta`: a ChassisDelta does not apply to the state it is applied to (see applyDelta);
 * - `invalid-options`: the compile options do not fit the state (missing or clashing port numbers);
 * - `invalid-flow`: a flow's text is outside the language the tracer understands, or breaks an
 *   OpenFlow rule (a missing prerequisite, a goto_table backwards);
 * - `ambiguous-match`: two flows of one priority in one table match the same packet, which OVS
 *   resolves arbitrarily;
 * - `diff-conflict`: a diff does not apply to the flow set it is applied to;
 * - `invalid-packet`: a traced packet has a malformed field.
 */
export type FlowsErrorCode =
  | 'invalid-state'
  | 'invalid-delta'
  | 'invalid-options'
  | 'invalid-flow'
  | 'ambiguous-match'
  | 'diff-conflict'
  | 'invalid-packet';

/** The one error type of this package: a code, the problems found, and an optional cause. */
export class FlowsError extends Error {
  readonly [brand] = true;
  readonly problems: readonly string[];

  constructor(
    readonly code: FlowsErrorCode,
    problems: string | readonly string[],
    options: { cause?: unknown } = {},
  ) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(`${code}: ${list.join('; ')}`, { cause: options.cause });
    this.name = 'FlowsError';
    this.problems = Object.freeze([...list]);
  }

  /** A FlowsError as it is; anything else as `invalid-flow` with the original as cause. */
  static from(err: unknown): FlowsError {
    if (isFlowsError(err)) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new FlowsError('invalid-flow', message, { cause: err });
  }
}

/** True for a FlowsError from any copy of this package (no instanceof across copies). */
export function isFlowsError(err: unknown): err is FlowsError {
  return typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true;
}

/** True when `err` is a FlowsError with this code. */
export function hasFlowsCode(err: unknown, code: FlowsErrorCode): boolean {
  return isFlowsError(err) && err.code === code;
}
