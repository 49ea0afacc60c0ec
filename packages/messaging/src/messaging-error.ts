const brand = Symbol.for('vpcd.messaging.MessagingError');

/**
 * What went wrong at the messaging boundary:
 * - `nacked`: the broker refused to take responsibility for a published message;
 * - `unavailable`: no connection, or the connection dropped before the confirm (the message may or
 *   may not have been routed: republish, consumers are idempotent);
 * - `timeout`: not confirmed within `publishTimeoutMs` (same uncertainty as `unavailable`);
 * - `closed`: the broker object was closed;
 * - `refused`: the broker refused a declaration or a consume (`replyCode` says why, e.g. 406
 *   PRECONDITION_FAILED for a queue declared with other arguments); retrying will not help.
 */
export type MessagingErrorKind = 'nacked' | 'unavailable' | 'timeout' | 'closed' | 'refused';

const kinds = new Set<string>(['nacked', 'unavailable', 'timeout', 'closed', 'refused']);

/** The error of the messaging boundary: a kind, a message, the AMQP reply code when any, a cause. */
export class MessagingError extends Error {
  readonly [brand] = true;
  readonly replyCode: number | undefined;

  constructor(
    readonly kind: MessagingErrorKind,
    message: string,
    options: { cause?: unknown; replyCode?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = `MessagingError(${kind})`;
    this.replyCode = options.replyCode ?? replyCodeOf(options.cause);
  }

  /**
   * Normalises anything thrown: a MessagingError as it is; an AMQP refusal (a channel closed by
   * the server with a reply code in 403-406) as `refused`; anything else as `unavailable`, the
   * kind a caller answers by retrying.
   */
  static from(err: unknown): MessagingError {
    if (isMessagingError(err)) return err;
    const replyCode = replyCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    if (replyCode !== undefined && replyCode >= 403 && replyCode <= 406) {
      return new MessagingError('refused', message, { cause: err, replyCode });
    }
    return new MessagingError('unavailable', message, { cause: err });
  }
}

/** True for a MessagingError from any copy of this package (no instanceof across copies). */
export function isMessagingError(err: unknown): err is MessagingError {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { [brand]?: unknown })[brand] === true &&
    kinds.has((err as { kind?: unknown }).kind as string)
  );
}

/** True when `err` is, or normalises to, a MessagingError of this kind. */
export function hasKind(err: unknown, kind: MessagingErrorKind): boolean {
  return MessagingError.from(err).kind === kind;
}

/**
 * Whether doing it again may succeed: `nacked` (e.g. a queue over its length limit, a quorum queue
 * without a leader for a moment), `unavailable` and `timeout` may; `closed` and `refused` will not.
 * A publish that failed with a retryable error may still have been routed, so republishing can
 * duplicate a message: consumers must be idempotent.
 */
export function isRetryable(err: unknown): boolean {
  const { kind } = MessagingError.from(err);
  return kind === 'nacked' || kind === 'unavailable' || kind === 'timeout';
}

function replyCodeOf(err: unknown): number | undefined {
  const code =
    typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}
