// The header and metadata fields the tracer models, with the names ovs-ofctl gives them in
// matches, in set_field and in move (NXM names), and the OpenFlow prerequisites of each.
import { parseIpv4, parseMac, parseUint } from './addresses.js';

export type FieldId =
  | 'in_port'
  | 'eth_src'
  | 'eth_dst'
  | 'eth_type'
  | 'ip_proto'
  | 'ipv4_src'
  | 'ipv4_dst'
  | 'tp_src'
  | 'tp_dst'
  | 'arp_op'
  | 'arp_spa'
  | 'arp_tpa'
  | 'arp_sha'
  | 'arp_tha'
  | 'tun_id'
  | 'tun_src'
  | 'tun_dst'
  | `reg${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7}`;

/** What a field needs the match to say first: IPv4, ARP, or IPv4 with TCP or UDP. */
export type Prerequisite = 'ip' | 'arp' | 'l4';

interface FieldSpec {
  readonly kind: 'mac' | 'ipv4' | 'uint';
  readonly bits: number;
  readonly prerequisite?: Prerequisite;
}

const REGISTER: FieldSpec = { kind: 'uint', bits: 32 };

export const FIELDS: Readonly<Record<FieldId, FieldSpec>> = {
  in_port: { kind: 'uint', bits: 16 },
  eth_src: { kind: 'mac', bits: 48 },
  eth_dst: { kind: 'mac', bits: 48 },
  eth_type: { kind: 'uint', bits: 16 },
  ip_proto: { kind: 'uint', bits: 8, prerequisite: 'ip' },
  ipv4_src: { kind: 'ipv4', bits: 32, prerequisite: 'ip' },
  ipv4_dst: { kind: 'ipv4', bits: 32, prerequisite: 'ip' },
  tp_src: { kind: 'uint', bits: 16, prerequisite: 'l4' },
  tp_dst: { kind: 'uint', bits: 16, prerequisite: 'l4' },
  arp_op: { kind: 'uint', bits: 16, prerequisite: 'arp' },
  arp_spa: { kind: 'ipv4', bits: 32, prerequisite: 'arp' },
  arp_tpa: { kind: 'ipv4', bits: 32, prerequisite: 'arp' },
  arp_sha: { kind: 'mac', bits: 48, prerequisite: 'arp' },
  arp_tha: { kind: 'mac', bits: 48, prerequisite: 'arp' },
  tun_id: { kind: 'uint', bits: 64 },
  tun_src: { kind: 'ipv4', bits: 32 },
  tun_dst: { kind: 'ipv4', bits: 32 },
  reg0: REGISTER,
  reg1: REGISTER,
  reg2: REGISTER,
  reg3: REGISTER,
  reg4: REGISTER,
  reg5: REGISTER,
  reg6: REGISTER,
  reg7: REGISTER,
};

export const ETH_TYPE_IPV4 = 0x0800;
export const ETH_TYPE_ARP = 0x0806;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;

/** Shorthands of the match language: the fields each one sets. */
export const SHORTHANDS: Readonly<Record<string, ReadonlyArray<readonly [FieldId, number]>>> = {
  ip: [['eth_type', ETH_TYPE_IPV4]],
  arp: [['eth_type', ETH_TYPE_ARP]],
  tcp: [
    ['eth_type', ETH_TYPE_IPV4],
    ['ip_proto', IP_PROTO_TCP],
  ],
  udp: [
    ['eth_type', ETH_TYPE_IPV4],
    ['ip_proto', IP_PROTO_UDP],
  ],
  icmp: [
    ['eth_type', ETH_TYPE_IPV4],
    ['ip_proto', 1],
  ],
};

/**
 * Field names of matches and set_field. `nw_src`/`nw_dst` mean the ARP addresses in an ARP
 * flow, as in OVS: they resolve to `ipv4_*` here and are switched by the caller.
 */
const NAMES: Readonly<Record<string, FieldId>> = {
  in_port: 'in_port',
  dl_src: 'eth_src',
  eth_src: 'eth_src',
  dl_dst: 'eth_dst',
  eth_dst: 'eth_dst',
  dl_type: 'eth_type',
  eth_type: 'eth_type',
  nw_proto: 'ip_proto',
  ip_proto: 'ip_proto',
  nw_src: 'ipv4_src',
  ip_src: 'ipv4_src',
  ipv4_src: 'ipv4_src',
  nw_dst: 'ipv4_dst',
  ip_dst: 'ipv4_dst',
  ipv4_dst: 'ipv4_dst',
  tp_src: 'tp_src',
  udp_src: 'tp_src',
  tcp_src: 'tp_src',
  tp_dst: 'tp_dst',
  udp_dst: 'tp_dst',
  tcp_dst: 'tp_dst',
  arp_op: 'arp_op',
  arp_spa: 'arp_spa',
  arp_tpa: 'arp_tpa',
  arp_sha: 'arp_sha',
  arp_tha: 'arp_tha',
  tun_id: 'tun_id',
  tunnel_id: 'tun_id',
  tun_src: 'tun_src',
  tun_dst: 'tun_dst',
  ...Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`reg${i}`, `reg${i}` as FieldId])),
};

/** move's NXM names (whole fields only, `NXM_..[]`). */
const NXM_NAMES: Readonly<Record<string, FieldId>> = {
  NXM_OF_IN_PORT: 'in_port',
  NXM_OF_ETH_SRC: 'eth_src',
  NXM_OF_ETH_DST: 'eth_dst',
  NXM_OF_IP_SRC: 'ipv4_src',
  NXM_OF_IP_DST: 'ipv4_dst',
  NXM_OF_ARP_OP: 'arp_op',
  NXM_OF_ARP_SPA: 'arp_spa',
  NXM_OF_ARP_TPA: 'arp_tpa',
  NXM_NX_ARP_SHA: 'arp_sha',
  NXM_NX_ARP_THA: 'arp_tha',
  NXM_NX_TUN_ID: 'tun_id',
  NXM_NX_TUN_IPV4_SRC: 'tun_src',
  NXM_NX_TUN_IPV4_DST: 'tun_dst',
  ...Object.fromEntries(
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`NXM_NX_REG${i}`, `reg${i}` as FieldId]),
  ),
};

export function fieldByName(name: string): FieldId | undefined {
  return Object.hasOwn(NAMES, name) ? NAMES[name] : undefined;
}

export function fieldByNxmName(name: string): FieldId | undefined {
  return Object.hasOwn(NXM_NAMES, name) ? NXM_NAMES[name] : undefined;
}

/** The value of `field` written as `text`, or undefined when malformed or too wide. */
export function parseFieldValue(field: FieldId, text: string): number | undefined {
  const spec = FIELDS[field];
  if (spec.kind === 'mac') return parseMac(text);
  if (spec.kind === 'ipv4') return parseIpv4(text);
  const value = parseUint(text);
  return value !== undefined && (spec.bits >= 53 || value < 2 ** spec.bits) ? value : undefined;
}
