import type { ChassisPlan, LocalPortPlan } from './chassis-plan.js';
import type { AddFlow } from './classify-flows.js';
import { gotoTable, matchText, output, setField } from './flow-text.js';
import {
  DHCP_CLIENT_PORT,
  DHCP_SERVER_PORT,
  DHCP_STEER_GROUP,
  DHCP_STEER_GROUP_MAC,
  DHCP_UNICAST_GROUP,
  PRIORITY_DHCP,
  PRIORITY_PASS,
  TABLE_CLASSIFY,
  TABLE_DHCP,
} from './pipeline.js';

const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
const LIMITED_BROADCAST = '255.255.255.255';

/**
 * DHCP between the local ports and hvaddr's port (`plan.dhcpPort`; none: DHCP stays dropped).
 *
 * A request from port P (table 0 let it in only with P's MAC) leaves for hvaddr's port with its
 * UDP source port overwritten by P's ofport, its source address by 0.0.0.0 and its destination by
 * DHCP_STEER_GROUP: the mark is written by the bridge, whatever the guest sent, and hvaddr reads
 * it as the datagram's source port. Only hvaddr's port may send replies (UDP source port 67): a
 * reply to the group at UDP port P goes to port P alone, as a broadcast from the gateway; one to
 * DHCP_UNICAST_GROUP at P goes to P's own MAC and address. There is no flow for any other
 * destination, so a reply reaches exactly the port that its mark names, and never floods.
 */
export function addDhcpFlows(plan: ChassisPlan, add: AddFlow): void {
  const hvaddr = plan.dhcpPort;
  if (hvaddr === undefined) return;
  add(
    'dhcp:hvaddr:ingress',
    TABLE_CLASSIFY,
    PRIORITY_DHCP,
    matchText('udp', { in_port: hvaddr, tp_src: DHCP_SERVER_PORT }),
    gotoTable(TABLE_DHCP),
  );
  for (const port of plan.ports) {
    const { interfaceId, ofport } = port;
    add(
      `port:${interfaceId}:dhcp-request`,
      TABLE_DHCP,
      PRIORITY_PASS,
      matchText('udp', { in_port: ofport }),
      [
        setField('0.0.0.0', 'ip_src'),
        setField(DHCP_STEER_GROUP, 'ip_dst'),
        setField(DHCP_STEER_GROUP_MAC, 'eth_dst'),
        setField(ofport, 'udp_src'),
        output(hvaddr),
      ].join(','),
    );
    add(
      `port:${interfaceId}:dhcp-reply`,
      TABLE_DHCP,
      PRIORITY_PASS,
      matchText('udp', { in_port: hvaddr, nw_dst: DHCP_STEER_GROUP, tp_dst: ofport }),
      replyTo(port, BROADCAST_MAC, LIMITED_BROADCAST),
    );
    add(
      `port:${interfaceId}:dhcp-reply-unicast`,
      TABLE_DHCP,
      PRIORITY_PASS,
      matchText('udp', { in_port: hvaddr, nw_dst: DHCP_UNICAST_GROUP, tp_dst: ofport }),
      replyTo(port, port.mac, port.ip),
    );
  }
}

/** The reply as the guest expects it: from its gateway, to the client port, out of its port. */
function replyTo(port: LocalPortPlan, ethDst: string, ipDst: string): string {
  return [
    setField(port.vpc.gatewayMac, 'eth_src'),
    setField(ethDst, 'eth_dst'),
    setField(port.vpc.gatewayIp, 'ip_src'),
    setField(ipDst, 'ip_dst'),
    setField(DHCP_CLIENT_PORT, 'udp_dst'),
    output(port.ofport),
  ].join(',');
}
