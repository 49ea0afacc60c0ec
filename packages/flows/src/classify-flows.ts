import type { ChassisPlan } from './chassis-plan.js';
import { gotoTable, matchText, setField } from './flow-text.js';
import {
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  ORIGIN_LOCAL,
  PRIORITY_DHCP,
  PRIORITY_DROP,
  PRIORITY_PASS,
  REG_ORIGIN,
  REG_VPC,
  TABLE_CLASSIFY,
  TABLE_DHCP,
  TABLE_FORWARD,
} from './pipeline.js';

/** Adds one flow; `purpose` names what it is for and gives its cookie. */
export type AddFlow = (
  purpose: string,
  table: number,
  priority: number,
  match: string,
  actions: string,
) => void;

const FROM_LOCAL = setField(`0x${ORIGIN_LOCAL.toString(16)}`, REG_ORIGIN);

/**
 * Table 0: a packet passes only from a local port with that port's MAC and IP (IPv4 and ARP), as
 * DHCP from that port's MAC, or from the tunnel with a VNI of a VPC present here and the underlay
 * address of a chassis that hosts ports of that VPC. Passing tags the VPC (reg0 = VNI) and, from
 * local ports, the origin (reg1); everything else is dropped.
 */
export function addClassifyFlows(plan: ChassisPlan, add: AddFlow): void {
  for (const { interfaceId, ofport, mac, ip, vpc } of plan.ports) {
    const tag = setField(vpc.tag, REG_VPC);
    const pass = `${tag},${FROM_LOCAL},${gotoTable(TABLE_FORWARD)}`;
    add(
      `port:${interfaceId}:ingress-ip`,
      TABLE_CLASSIFY,
      PRIORITY_PASS,
      matchText('ip', { in_port: ofport, dl_src: mac, nw_src: ip }),
      pass,
    );
    add(
      `port:${interfaceId}:ingress-arp`,
      TABLE_CLASSIFY,
      PRIORITY_PASS,
      matchText('arp', { in_port: ofport, dl_src: mac, arp_spa: ip, arp_sha: mac }),
      pass,
    );
    add(
      `port:${interfaceId}:ingress-dhcp`,
      TABLE_CLASSIFY,
      PRIORITY_DHCP,
      matchText('udp', {
        in_port: ofport,
        dl_src: mac,
        tp_src: DHCP_CLIENT_PORT,
        tp_dst: DHCP_SERVER_PORT,
      }),
      `${tag},${gotoTable(TABLE_DHCP)}`,
    );
  }

  const tunnels = new Map<string, { vpcId: string; tag: string; underlayIp: string }>();
  for (const { vpc, underlayIp } of plan.remotePorts) {
    tunnels.set(`${vpc.vni}/${underlayIp}`, { vpcId: vpc.vpcId, tag: vpc.tag, underlayIp });
  }
  for (const { vpcId, tag, underlayIp } of tunnels.values()) {
    add(
      `tunnel:${vpcId}:${underlayIp}:ingress`,
      TABLE_CLASSIFY,
      PRIORITY_PASS,
      matchText('ip', { tun_id: tag, tun_src: underlayIp, in_port: plan.tunnelPort }),
      `${setField(tag, REG_VPC)},${gotoTable(TABLE_FORWARD)}`,
    );
  }

  add(`table:${TABLE_CLASSIFY}:drop`, TABLE_CLASSIFY, PRIORITY_DROP, '', 'drop');
  add(`table:${TABLE_DHCP}:drop`, TABLE_DHCP, PRIORITY_DROP, '', 'drop');
}
