import { CLIENT_PORT } from '../codec/constants.js';
import type { DhcpPacket } from '../codec/packet.js';

export interface Destination {
  readonly address: string;
  readonly port: number;
}

export const limitedBroadcast = '255.255.255.255';

/**
 * Where a reply goes (RFC 2131 section 4.1): to the relay agent in `giaddr` at the server port;
 * else a NAK, and any reply to a client without an address, to 255.255.255.255:68; else unicast
 * to `ciaddr`. A client without an address is answered by broadcast even when it did not set the
 * broadcast flag: unicasting to `yiaddr` needs an ARP entry written for the client, which a
 * user-space UDP socket cannot do.
 */
export function replyDestination(
  request: DhcpPacket,
  isNak: boolean,
  serverPort: number,
): Destination {
  if (request.giaddr !== '0.0.0.0') return { address: request.giaddr, port: serverPort };
  if (isNak || request.ciaddr === '0.0.0.0') {
    return { address: limitedBroadcast, port: CLIENT_PORT };
  }
  return { address: request.ciaddr, port: CLIENT_PORT };
}
