// Builders of the canonical match and action text that compileFlows emits. The order of match
// fields and the format of values are those of `ovs-ofctl dump-flows` (OVS 3.x), so a dumped
// bridge compares equal to a compiled flow set. Values come in canonical text (see ChassisPlan);
// numbers are written in decimal.

/** The match fields compileFlows uses, in dump-flows order (lib/match.c, match_format). */
const FIELD_ORDER = [
  'reg0',
  'reg1',
  'tun_id',
  'tun_src',
  'in_port',
  'dl_src',
  'dl_dst',
  'nw_src',
  'arp_spa',
  'nw_dst',
  'arp_tpa',
  'arp_op',
  'arp_sha',
  'tp_src',
  'tp_dst',
] as const;

export type MatchFields = Partial<Record<(typeof FIELD_ORDER)[number], string | number>>;

/** `ip,reg0=0x64,dl_dst=...`: the protocol shorthand (if any), then the fields in canonical order. */
export function matchText(protocol: 'ip' | 'arp' | 'udp' | undefined, fields: MatchFields): string {
  let text = protocol ?? '';
  for (const name of FIELD_ORDER) {
    const value = fields[name];
    if (value !== undefined) text += `${text === '' ? '' : ','}${name}=${value}`;
  }
  return text;
}

export function setField(value: string | number, field: string): string {
  return `set_field:${value}->${field}`;
}

export function gotoTable(table: number): string {
  return `goto_table:${table}`;
}

export function output(port: number): string {
  return `output:${port}`;
}

/** Sends the packet into VXLAN with this VNI (`0x` text) to this underlay address. */
export function tunnelTo(tag: string, underlayIp: string, tunnelPort: number): string {
  return `${setField(tag, 'tun_id')},${setField(underlayIp, 'tun_dst')},${output(tunnelPort)}`;
}

/**
 * Turns an ARP request for `ip` into the reply "ip is at mac" and sends it back where it came
 * from: the standard OVS ARP responder.
 */
export function arpReply(mac: string, ip: string): string {
  return (
    'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],' +
    `set_field:${mac}->eth_src,` +
    'set_field:2->arp_op,' +
    'move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],' +
    `set_field:${mac}->arp_sha,` +
    'move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],' +
    `set_field:${ip}->arp_spa,` +
    'IN_PORT'
  );
}
