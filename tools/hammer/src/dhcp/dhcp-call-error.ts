/**
 * How a DHCP call failed, as counted in the report's errors by code:
 * - `NoOffer`: no answer to the DISCOVER in time (a MAC not bound on the server, a client over
 *   the server's rate limit, a server that is down or overloaded: DHCP servers drop silently);
 * - `Timeout`: an OFFER came, but no answer to the REQUEST in time;
 * - `Nak`: the REQUEST was refused;
 * - `BadReply`: an answer of the wrong type (an ACK to a DISCOVER, an OFFER without server
 *   identifier);
 * - `SendFailed`: the socket could not send the datagram.
 */
export type DhcpCallErrorCode = 'NoOffer' | 'Timeout' | 'Nak' | 'BadReply' | 'SendFailed';

const brand = Symbol.for('vpcd.hammer.DhcpCallError');

/** The error of one DHCP call; its code is the report's error code. */
export class DhcpCallError extends Error {
  readonly [brand] = true;

  constructor(
    readonly code: DhcpCallErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = `DhcpCallError(${code})`;
  }

  /** True for a DhcpCallError from any copy of this module. */
  static is(err: unknown): err is DhcpCallError {
    return (
      typeof err === 'object' && err !== null && (err as { [brand]?: unknown })[brand] === true
    );
  }
}
