import type { ChassisPlan } from './chassis-plan.js';
import type { AddFlow } from './classify-flows.js';
import { arpReply, matchText, output, tunnelTo } from './flow-text.js';
import {
  ORIGIN_LOCAL,
  PRIORITY_ARP_SELF,
  PRIORITY_DROP,
  PRIORITY_PASS,
  TABLE_FORWARD,
} from './pipeline.js';

const ARP_REQUEST = 1;
const LOCAL = `0x${ORIGIN_LOCAL.toString(16)}`;

/**
 * Table 10, within the VPC of reg0: ARP requests from local ports for a known address (a local or
 * remote port, the gateway) are answered in place; IPv4 to a local port's MAC and IP goes to its
 * port; IPv4 from a local port to a remote port's MAC and IP goes into the tunnel with the VNI to
 * that port's chassis (never tunnel to tunnel); everything else is dropped.
 */
export function addForwardFlows(plan: ChassisPlan, add: AddFlow): void {
  const arpFor = (tag: string, ip: string) =>
    matchText('arp', { reg0: tag, reg1: LOCAL, arp_tpa: ip, arp_op: ARP_REQUEST });

  for (const { vpcId, tag, gatewayIp, gatewayMac } of plan.vpcs) {
    add(
      `gateway:${vpcId}:arp-reply`,
      TABLE_FORWARD,
      PRIORITY_PASS,
      arpFor(tag, gatewayIp),
      arpReply(gatewayMac, gatewayIp),
    );
  }

  for (const { interfaceId, vpc, ip, mac, ofport } of plan.ports) {
    add(
      `port:${interfaceId}:arp-reply`,
      TABLE_FORWARD,
      PRIORITY_PASS,
      arpFor(vpc.tag, ip),
      arpReply(mac, ip),
    );
    // A port probing its own address (gratuitous ARP) must not hear itself answered.
    add(
      `port:${interfaceId}:arp-self`,
      TABLE_FORWARD,
      PRIORITY_ARP_SELF,
      matchText('arp', {
        reg0: vpc.tag,
        reg1: LOCAL,
        in_port: ofport,
        arp_tpa: ip,
        arp_op: ARP_REQUEST,
      }),
      'drop',
    );
    add(
      `port:${interfaceId}:deliver`,
      TABLE_FORWARD,
      PRIORITY_PASS,
      matchText('ip', { reg0: vpc.tag, dl_dst: mac, nw_dst: ip }),
      output(ofport),
    );
  }

  for (const { interfaceId, vpc, ip, mac, underlayIp } of plan.remotePorts) {
    add(
      `remote:${interfaceId}:arp-reply`,
      TABLE_FORWARD,
      PRIORITY_PASS,
      arpFor(vpc.tag, ip),
      arpReply(mac, ip),
    );
    add(
      `remote:${interfaceId}:tunnel`,
      TABLE_FORWARD,
      PRIORITY_PASS,
      matchText('ip', { reg0: vpc.tag, reg1: LOCAL, dl_dst: mac, nw_dst: ip }),
      tunnelTo(vpc.tag, underlayIp, plan.tunnelPort),
    );
  }

  add(`table:${TABLE_FORWARD}:drop`, TABLE_FORWARD, PRIORITY_DROP, '', 'drop');
}
