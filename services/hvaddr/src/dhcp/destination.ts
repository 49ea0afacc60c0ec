import { CLIENT_PORT, type DhcpPacket } from '@vpcd/dhcp';

export interface Destination {
  readonly address: string;
  readonly port: number;
}

export const limitedBroadcast = '255.255.255.255';

/**
 * The link-local groups of the steering flows (packages/flows pipeline.ts; the security test
 * checks they agree): requests arrive at DHCP_STEER_GROUP:67, replies go to either group at the
 * mark.
 */
export const DHCP_STEER_GROUP = '224.0.0.67';
export const DHCP_UNICAST_GROUP = '224.0.0.68';

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

/** Where a reply to a steered request goes: hvaddr's port, whose flows send it to the mark's port. */
export function steeredReplyDestination(
  request: DhcpPacket,
  isNak: boolean,
  mark: number,
  clientIp: string,
): Destination {
  // The unicast group makes the flows address the port's own MAC and IP, which is where RFC
  // 2131 sends an ACK to a client with an address (ciaddr); all else is broadcast on its port.
  const unicast = !isNak && request.ciaddr !== '0.0.0.0' && request.ciaddr === clientIp;
  return { address: unicast ? DHCP_UNICAST_GROUP : DHCP_STEER_GROUP, port: mark };
}
