import { serializeDhcp, type DhcpPacket } from '@vpcd/hvaddr';

/** The DHCP message types (option 53) of RFC 2132 section 9.6 that a client sees or sends. */
export const MessageType = { DISCOVER: 1, OFFER: 2, REQUEST: 3, ACK: 5, NAK: 6 } as const;

const BOOTREQUEST = 1;
const Option = { REQUESTED_IP: 50, MESSAGE_TYPE: 53, SERVER_ID: 54, PARAMETER_REQUEST_LIST: 55 };
/** Subnet mask, router, DNS, host name, MTU, broadcast: what a Linux client asks for. */
const parameterRequestList = Uint8Array.of(1, 3, 6, 12, 26, 28);

export interface ClientPacket {
  readonly mac: Uint8Array;
  readonly xid: number;
  /** The relay agent's address: the server answers it, at the server port, by unicast. */
  readonly giaddr: string;
}

/** A DHCPDISCOVER of a client without an address, forwarded by the relay agent `giaddr`. */
export function discoverPacket(p: ClientPacket): Buffer {
  return serializeDhcp({
    op: BOOTREQUEST,
    xid: p.xid,
    giaddr: p.giaddr,
    hops: 1,
    chaddr: p.mac,
    options: [
      [Option.MESSAGE_TYPE, Uint8Array.of(MessageType.DISCOVER)],
      [Option.PARAMETER_REQUEST_LIST, parameterRequestList],
    ],
  });
}

/** The DHCPREQUEST of the SELECTING state: the offer of `serverId` for `requestedIp` taken. */
export function requestPacket(
  p: ClientPacket & { readonly serverId: string; readonly requestedIp: string },
): Buffer {
  return serializeDhcp({
    op: BOOTREQUEST,
    xid: p.xid,
    giaddr: p.giaddr,
    hops: 1,
    chaddr: p.mac,
    options: [
      [Option.MESSAGE_TYPE, Uint8Array.of(MessageType.REQUEST)],
      [Option.SERVER_ID, ipv4Bytes(p.serverId)],
      [Option.REQUESTED_IP, ipv4Bytes(p.requestedIp)],
      [Option.PARAMETER_REQUEST_LIST, parameterRequestList],
    ],
  });
}

/** The message type (option 53) of a reply, or undefined for plain BOOTP. */
export function messageTypeOf(reply: DhcpPacket): number | undefined {
  return reply.options.get(Option.MESSAGE_TYPE)?.[0];
}

/** The server identifier (option 54) as a dotted quad, or undefined when absent or short. */
export function serverIdOf(reply: DhcpPacket): string | undefined {
  const value = reply.options.get(Option.SERVER_ID);
  return value && value.length >= 4 ? [...value.subarray(0, 4)].join('.') : undefined;
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}
