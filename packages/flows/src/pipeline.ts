import { formatMac } from './addresses.js';

// The pipeline of br-int: table numbers, priorities and registers. README.md explains each; the
// tracer and the property tests rely on these values only through the flows' text.

/** Classification and anti-spoofing of every packet entering the bridge. */
export const TABLE_CLASSIFY = 0;
/** ARP responder and forwarding within a VPC. */
export const TABLE_FORWARD = 10;
/** DHCP: requests from local ports to hvaddr's port, marked with their port; replies back. */
export const TABLE_DHCP = 20;

/** Table 0: DHCP from a port, above the port's IPv4 flow so renewals (src = its IP) come here. */
export const PRIORITY_DHCP = 110;
/** Table 10: an ARP request for a port's own address, sent by that port, is not answered. */
export const PRIORITY_ARP_SELF = 110;
/** Table 0: anti-spoofed port and tunnel ingress. Table 10: ARP answers and forwarding. */
export const PRIORITY_PASS = 100;
/** Every table: what matched nothing above is dropped. */
export const PRIORITY_DROP = 0;

/** reg0 carries the VPC tag, which is the VPC's VNI (unique in the region, 24 bits). */
export const REG_VPC = 'reg0';
/** reg1 is ORIGIN_LOCAL for packets that entered from an anti-spoofed local port, else 0. */
export const REG_ORIGIN = 'reg1';
export const ORIGIN_LOCAL = 1;

/** UDP ports of a DHCP client's request. */
export const DHCP_CLIENT_PORT = 68;
export const DHCP_SERVER_PORT = 67;

/**
 * Requests steered to hvaddr's port go to this link-local multicast group (port 67), so only a
 * socket joined to it on that port's interface receives them; hvaddr sends a reply meant for a
 * broadcast (RFC 2131 4.1) back to the group, at the UDP port that named the guest's port.
 */
export const DHCP_STEER_GROUP = '224.0.0.67';
/** The Ethernet address of DHCP_STEER_GROUP (01:00:5e and its low 23 bits). */
export const DHCP_STEER_GROUP_MAC = '01:00:5e:00:00:43';
/** hvaddr sends a reply meant for the guest's own address (unicast) to this group instead. */
export const DHCP_UNICAST_GROUP = '224.0.0.68';

/** VXLAN network identifiers are 24 bits; 0 is the tun_id of packets that came from no tunnel. */
export const VNI_MAX = 0xffffff;

/**
 * The gateway's MAC in a VPC: locally administered unicast `0e:00:00` followed by the VNI's three
 * bytes, e.g. `0e:00:00:00:00:64` for VNI 100. An interface may not use its own VPC's.
 */
export function gatewayMac(vni: number): string {
  return formatMac(0x0e0000000000 + vni);
}
