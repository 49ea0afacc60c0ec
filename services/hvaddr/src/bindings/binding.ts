/** What IPAM assigned to one VPC interface bound on this chassis, ready to answer its DHCP. */
export interface Binding {
  readonly interfaceId: string;
  readonly vpcId: string;
  /** Lower-case, colon-separated. */
  readonly mac: string;
  readonly ip: string;
  readonly subnetMask: string;
  /** The VPC's gateway: the router option and the server identifier. */
  readonly gateway: string;
  readonly broadcastAddress: string;
  /** The interface name when it is a valid host name, else undefined (option 12 omitted). */
  readonly hostname: string | undefined;
}
