const brand = Symbol.for('vpcd.hvaddr.DhcpCodecError');

/**
 * Why a datagram is not a well-formed DHCP message, or why a message cannot be encoded. The codes
 * of parsing are the `reason` labels of `hvaddr_dropped_total`.
 */
export type DhcpCodecErrorCode =
  /** Shorter than the fixed header and the magic cookie (240 bytes). */
  | 'truncated'
  /** `op` is neither BOOTREQUEST (1) nor BOOTREPLY (2). */
  | 'bad_op'
  /** `hlen` is larger than the 16 bytes of `chaddr`. */
  | 'bad_hardware_length'
  /** The four bytes after the fixed header are not 99.130.83.99. */
  | 'bad_cookie'
  /** An option's length byte, or the option itself, runs past the end of its field. */
  | 'option_overflow'
  /** An options field has no End option (255). */
  | 'missing_end'
  /** An option whose length is fixed or bounded by RFC 2132 has another length. */
  | 'bad_option_length'
  /** Option 52 is malformed, has a value other than 1-3, or appears in `sname`/`file`. */
  | 'bad_overload'
  /** A field given to the encoder is out of range (address, chaddr, option code). */
  | 'bad_field';

/** The codec's one error type: parse and serialize throw nothing else. */
export class DhcpCodecError extends Error {
  readonly [brand] = true;

  constructor(
    readonly code: DhcpCodecErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = `DhcpCodecError(${code})`;
  }

  /** True for a DhcpCodecError from any copy of this module (no instanceof across copies). */
  static is(err: unknown): err is DhcpCodecError {
    return (
      typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true
    );
  }

  /** `err` when it is a DhcpCodecError, else `bad_field` with `err` as the cause. */
  static from(err: unknown): DhcpCodecError {
    if (DhcpCodecError.is(err)) return err;
    return new DhcpCodecError('bad_field', 'cannot encode the message', { cause: err });
  }
}

/** Every code parsing can raise, in the order a datagram is checked. */
export const parseErrorCodes: readonly DhcpCodecErrorCode[] = [
  'truncated',
  'bad_op',
  'bad_hardware_length',
  'bad_cookie',
  'option_overflow',
  'missing_end',
  'bad_option_length',
  'bad_overload',
];
