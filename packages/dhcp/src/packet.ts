import { formatIpv4 } from './ipv4.js';
import { Option } from './constants.js';

/**
 * One BOOTP/DHCP message (RFC 2131 section 2). Addresses are dotted quads. `options` holds each
 * option once, in first-seen order, with the values of repeated codes concatenated (RFC 3396)
 * and the options of an overloaded `sname`/`file` (option 52) merged in.
 */
export interface DhcpPacket {
  readonly op: number;
  readonly htype: number;
  readonly hlen: number;
  readonly hops: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  readonly ciaddr: string;
  readonly yiaddr: string;
  readonly siaddr: string;
  readonly giaddr: string;
  /** All 16 bytes of the field; the hardware address is the first `hlen`. */
  readonly chaddr: Buffer;
  /** 64 bytes; holds options instead of a server name when overloaded. */
  readonly sname: Buffer;
  /** 128 bytes; holds options instead of a boot file name when overloaded. */
  readonly file: Buffer;
  readonly options: ReadonlyMap<number, Buffer>;
}

/** The DHCP message type (option 53), or undefined for a plain BOOTP message. */
export function messageTypeOf(packet: DhcpPacket): number | undefined {
  return packet.options.get(Option.MESSAGE_TYPE)?.[0];
}

/** The client's hardware address, lower-case and colon-separated (`02:00:5e:00:00:01`). */
export function hardwareAddressOf(packet: DhcpPacket): string {
  return formatMac(packet.chaddr.subarray(0, Math.min(packet.hlen, packet.chaddr.length)));
}

export function formatMac(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) text += ':';
    text += (bytes[i] as number).toString(16).padStart(2, '0');
  }
  return text;
}

/** An address option (50, 54) as a dotted quad, or undefined when absent. */
export function addressOption(packet: DhcpPacket, code: number): string | undefined {
  const value = packet.options.get(code);
  return value && value.length >= 4 ? formatIpv4(value.readUInt32BE(0)) : undefined;
}
