import { BOOTREQUEST, MessageType, Option } from '../codec/constants.js';
import { serializeDhcp } from '../codec/serialize.js';

export interface ClientPacketOptions {
  readonly mac: Uint8Array;
  readonly xid: number;
  /** Relay agent address; replies then come back to it at the server port. */
  readonly giaddr?: string;
}

/** A DHCPDISCOVER as a client without an address sends it. */
export function discoverPacket(options: ClientPacketOptions): Buffer {
  return serializeDhcp({
    op: BOOTREQUEST,
    xid: options.xid,
    giaddr: options.giaddr,
    chaddr: options.mac,
    options: [
      [Option.MESSAGE_TYPE, Uint8Array.of(MessageType.DISCOVER)],
      [Option.PARAMETER_REQUEST_LIST, Uint8Array.of(1, 3, 6, 12, 26, 28)],
    ],
  });
}

/** The DHCPREQUEST of the SELECTING state: the offer of `serverId` accepted. */
export function requestPacket(
  options: ClientPacketOptions & { readonly serverId: string; readonly requestedIp: string },
): Buffer {
  return serializeDhcp({
    op: BOOTREQUEST,
    xid: options.xid,
    giaddr: options.giaddr,
    chaddr: options.mac,
    options: [
      [Option.MESSAGE_TYPE, Uint8Array.of(MessageType.REQUEST)],
      [Option.SERVER_ID, ipv4Bytes(options.serverId)],
      [Option.REQUESTED_IP, ipv4Bytes(options.requestedIp)],
      [Option.PARAMETER_REQUEST_LIST, Uint8Array.of(1, 3, 6, 12, 26, 28)],
    ],
  });
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}
