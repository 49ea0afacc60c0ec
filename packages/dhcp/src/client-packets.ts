import { BOOTREQUEST, MessageType, Option } from './constants.js';
import { serializeDhcp } from './serialize.js';

export interface ClientPacketOptions {
  readonly mac: Uint8Array;
  readonly xid: number;
  /**
   * The relay agent's address: the server answers it, at the server port, by unicast (RFC 2131
   * section 4.1), and `hops` is 1 as the relay agent set it. Undefined: sent as the client itself.
   */
  readonly giaddr?: string;
}

/** Subnet mask, router, DNS, host name, MTU, broadcast: what a Linux client asks for. */
const parameterRequestList = Uint8Array.of(1, 3, 6, 12, 26, 28);

/** A DHCPDISCOVER as a client without an address sends it. */
export function discoverPacket(options: ClientPacketOptions): Buffer {
  return serializeDhcp({
    op: BOOTREQUEST,
    xid: options.xid,
    giaddr: options.giaddr,
    hops: options.giaddr === undefined ? 0 : 1,
    chaddr: options.mac,
    options: [
      [Option.MESSAGE_TYPE, Uint8Array.of(MessageType.DISCOVER)],
      [Option.PARAMETER_REQUEST_LIST, parameterRequestList],
    ],
  });
}

/** The DHCPREQUEST of the SELECTING state: the offer of `serverId` for `requestedIp` taken. */
export function requestPacket(
  options: ClientPacketOptions & { readonly serverId: string; readonly requestedIp: string },
): Buffer {
  return serializeDhcp({
    op: BOOTREQUEST,
    xid: options.xid,
    giaddr: options.giaddr,
    hops: options.giaddr === undefined ? 0 : 1,
    chaddr: options.mac,
    options: [
      [Option.MESSAGE_TYPE, Uint8Array.of(MessageType.REQUEST)],
      [Option.SERVER_ID, ipv4Bytes(options.serverId)],
      [Option.REQUESTED_IP, ipv4Bytes(options.requestedIp)],
      [Option.PARAMETER_REQUEST_LIST, parameterRequestList],
    ],
  });
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}
