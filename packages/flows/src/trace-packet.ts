import { formatIpv4, formatMac, parseIpv4, parseMac } from './addresses.js';
import { ETH_TYPE_ARP, ETH_TYPE_IPV4, IP_PROTO_UDP, type FieldId } from './fields.js';
import { FlowsError } from './flows-error.js';

/**
 * A packet entering br-int, for the tracer. IPv4 packets are UDP when `udpSrc` or `udpDst` is
 * given (the other defaults to 0), else of a protocol without ports. Defaults: addresses
 * 0.0.0.0, `arpOp` 1 (request), `arpSha` = `ethSrc`, `arpTha` 00:00:00:00:00:00, `tunId` 0 and
 * `tunSrc` 0.0.0.0 (a packet that came from no tunnel).
 */
export interface TracePacket {
  readonly inPort: number;
  readonly ethSrc: string;
  readonly ethDst: string;
  readonly ethType: 'ipv4' | 'arp';
  readonly ipSrc?: string;
  readonly ipDst?: string;
  readonly udpSrc?: number;
  readonly udpDst?: number;
  readonly arpOp?: number;
  readonly arpSha?: string;
  readonly arpSpa?: string;
  readonly arpTha?: string;
  readonly arpTpa?: string;
  readonly tunId?: number;
  readonly tunSrc?: string;
}

/** The packet's fields and metadata during a trace; undefined = absent from this packet. */
export type FieldState = Partial<Record<FieldId, number>>;

export function packetToFields(packet: TracePacket): FieldState {
  const problems: string[] = [];
  const mac = (name: string, text: string) =>
    parseMac(text) ?? (problems.push(`${name} ${JSON.stringify(text)} is not a MAC`), 0);
  const ip = (name: string, text: string) =>
    parseIpv4(text) ?? (problems.push(`${name} ${JSON.stringify(text)} is not IPv4`), 0);
  const uint = (name: string, value: number, max: number) => {
    if (!Number.isInteger(value) || value < 0 || value > max) {
      problems.push(`${name} ${value} is out of range`);
    }
    return value;
  };
  const fields: FieldState = {
    in_port: uint('inPort', packet.inPort, 0xffff),
    eth_src: mac('ethSrc', packet.ethSrc),
    eth_dst: mac('ethDst', packet.ethDst),
    tun_id: uint('tunId', packet.tunId ?? 0, Number.MAX_SAFE_INTEGER),
    tun_src: ip('tunSrc', packet.tunSrc ?? '0.0.0.0'),
    tun_dst: 0,
    reg0: 0,
    reg1: 0,
    reg2: 0,
    reg3: 0,
    reg4: 0,
    reg5: 0,
    reg6: 0,
    reg7: 0,
  };
  if (packet.ethType === 'ipv4') {
    const udp = packet.udpSrc !== undefined || packet.udpDst !== undefined;
    Object.assign(fields, {
      eth_type: ETH_TYPE_IPV4,
      ipv4_src: ip('ipSrc', packet.ipSrc ?? '0.0.0.0'),
      ipv4_dst: ip('ipDst', packet.ipDst ?? '0.0.0.0'),
      ip_proto: udp ? IP_PROTO_UDP : 0,
    });
    if (udp) {
      fields.tp_src = uint('udpSrc', packet.udpSrc ?? 0, 0xffff);
      fields.tp_dst = uint('udpDst', packet.udpDst ?? 0, 0xffff);
    }
  } else if (packet.ethType === 'arp') {
    Object.assign(fields, {
      eth_type: ETH_TYPE_ARP,
      arp_op: uint('arpOp', packet.arpOp ?? 1, 0xffff),
      arp_sha: mac('arpSha', packet.arpSha ?? packet.ethSrc),
      arp_spa: ip('arpSpa', packet.arpSpa ?? '0.0.0.0'),
      arp_tha: mac('arpTha', packet.arpTha ?? '00:00:00:00:00:00'),
      arp_tpa: ip('arpTpa', packet.arpTpa ?? '0.0.0.0'),
    });
  } else {
    problems.push(`ethType ${JSON.stringify(packet.ethType)} is not ipv4 or arp`);
  }
  if (problems.length > 0) throw new FlowsError('invalid-packet', problems);
  return fields;
}

/** The packet as it is now, in the shape it was given (tunnel metadata is reported apart). */
export function fieldsToPacket(fields: FieldState): TracePacket {
  const head = {
    inPort: fields.in_port ?? 0,
    ethSrc: formatMac(fields.eth_src ?? 0),
    ethDst: formatMac(fields.eth_dst ?? 0),
  };
  if (fields.eth_type === ETH_TYPE_ARP) {
    return {
      ...head,
      ethType: 'arp',
      arpOp: fields.arp_op ?? 0,
      arpSha: formatMac(fields.arp_sha ?? 0),
      arpSpa: formatIpv4(fields.arp_spa ?? 0),
      arpTha: formatMac(fields.arp_tha ?? 0),
      arpTpa: formatIpv4(fields.arp_tpa ?? 0),
    };
  }
  const udp =
    fields.ip_proto === IP_PROTO_UDP
      ? { udpSrc: fields.tp_src ?? 0, udpDst: fields.tp_dst ?? 0 }
      : {};
  return {
    ...head,
    ethType: 'ipv4',
    ipSrc: formatIpv4(fields.ipv4_src ?? 0),
    ipDst: formatIpv4(fields.ipv4_dst ?? 0),
    ...udp,
  };
}
