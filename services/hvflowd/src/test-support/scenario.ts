// The acceptance scenario, shared by the ovs and memory driver tests: two VPCs with the same
// CIDR on chassis hv-1, each with two local interfaces and one on the remote chassis hv-2.
import type { ChassisState, PortState, RemotePortState } from '@vpcd/api';
import type { TracePacket } from '@vpcd/flows';

export const CHASSIS_ID = 'hv-1';
export const LOCAL_UNDERLAY = '192.168.50.1';
export const REMOTE_CHASSIS = 'hv-2';
export const REMOTE_UNDERLAY = '192.168.50.2';
/** An underlay address hosting nothing of either VPC. */
export const STRANGER_UNDERLAY = '192.168.50.9';
export const VNI_A = 100;
export const VNI_B = 200;

const vpcs = [
  { vpcId: 'vpc-a', vni: VNI_A, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' },
  { vpcId: 'vpc-b', vni: VNI_B, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' },
];

const port = (id: string, vpc: 'a' | 'b', ip: string, mac: string): PortState => ({
  interfaceId: id,
  vpcId: `vpc-${vpc}`,
  name: id.replace('if-', ''),
  ip,
  mac,
});

/** Local interfaces, by id; a4 exists only in the changed state. */
export const ports = {
  a1: port('if-a1', 'a', '10.0.0.5', '02:0a:00:00:00:01'),
  a2: port('if-a2', 'a', '10.0.0.6', '02:0a:00:00:00:02'),
  a4: port('if-a4', 'a', '10.0.0.8', '02:0a:00:00:00:04'),
  b1: port('if-b1', 'b', '10.0.0.5', '02:0b:00:00:00:01'),
  b2: port('if-b2', 'b', '10.0.0.6', '02:0b:00:00:00:02'),
};

const remote = (id: string, vpc: 'a' | 'b', ip: string, mac: string): RemotePortState => ({
  interfaceId: id,
  vpcId: `vpc-${vpc}`,
  ip,
  mac,
  chassisId: REMOTE_CHASSIS,
  underlayIp: REMOTE_UNDERLAY,
});

/** Remote interfaces on hv-2; b3 is gone in the changed state. */
export const remotes = {
  a3: remote('if-a3', 'a', '10.0.0.7', '02:0a:00:00:00:03'),
  b3: remote('if-b3', 'b', '10.0.0.7', '02:0b:00:00:00:03'),
};

/**
 * The chassis' state. `changed` adds a local interface a4 to VPC A and removes the remote b3
 * (and with it the tunnel from hv-2 for VPC B): a change touching some flows, not all.
 */
export function scenarioState(epoch: number, generation: number, changed = false): ChassisState {
  return {
    chassisId: CHASSIS_ID,
    epoch,
    generation,
    changes: [],
    vpcs,
    ports: changed
      ? [ports.a1, ports.a2, ports.a4, ports.b1, ports.b2]
      : [ports.a1, ports.a2, ports.b1, ports.b2],
    remotePorts: changed ? [remotes.a3] : [remotes.a3, remotes.b3],
  };
}

/** What leaves the bridge: a port (`in_port` for a reply sent back), with tunnel fields. */
export interface TraceOutput {
  readonly port: number | 'in_port';
  readonly tunId?: number;
  readonly tunDst?: string;
}

/** The bridge's port numbers, as the driver under test bound them. */
export interface PortNumbers {
  of(interfaceId: string): number;
  readonly tunnel: number;
}

export interface TraceCase {
  readonly name: string;
  packet(p: PortNumbers): TracePacket;
  /** [] is a drop. */
  expect(p: PortNumbers): TraceOutput[];
}

type Endpoint = { interfaceId: string; ip: string; mac: string };

const ipv4 = (p: PortNumbers, from: Endpoint, to: Endpoint): TracePacket => ({
  inPort: p.of(from.interfaceId),
  ethType: 'ipv4',
  ethSrc: from.mac,
  ethDst: to.mac,
  ipSrc: from.ip,
  ipDst: to.ip,
});

const fromTunnel = (
  p: PortNumbers,
  vni: number,
  underlay: string,
  from: Endpoint,
  to: Endpoint,
): TracePacket => ({
  inPort: p.tunnel,
  tunId: vni,
  tunSrc: underlay,
  ethType: 'ipv4',
  ethSrc: from.mac,
  ethDst: to.mac,
  ipSrc: from.ip,
  ipDst: to.ip,
});

const { a1, a2, b1, b2 } = ports;
const { a3, b3 } = remotes;

/** Delivery inside each VPC, tunnels with the right VNI, and drops across VPCs and of spoofs. */
export const traceCases: readonly TraceCase[] = [
  {
    name: 'delivers IPv4 from a1 to a2 inside VPC A',
    packet: (p) => ipv4(p, a1, a2),
    expect: (p) => [{ port: p.of(a2.interfaceId) }],
  },
  {
    name: 'delivers IPv4 from b2 to b1 inside VPC B, whose addresses repeat VPC A',
    packet: (p) => ipv4(p, b2, b1),
    expect: (p) => [{ port: p.of(b1.interfaceId) }],
  },
  {
    name: 'tunnels IPv4 from a1 to a3 on hv-2 with VNI 100',
    packet: (p) => ipv4(p, a1, a3),
    expect: (p) => [{ port: p.tunnel, tunId: VNI_A, tunDst: REMOTE_UNDERLAY }],
  },
  {
    name: 'tunnels IPv4 from b1 to b3 on hv-2 with VNI 200',
    packet: (p) => ipv4(p, b1, b3),
    expect: (p) => [{ port: p.tunnel, tunId: VNI_B, tunDst: REMOTE_UNDERLAY }],
  },
  {
    name: 'delivers tunnel traffic of VNI 100 from hv-2 to a1',
    packet: (p) => fromTunnel(p, VNI_A, REMOTE_UNDERLAY, a3, a1),
    expect: (p) => [{ port: p.of(a1.interfaceId) }],
  },
  {
    name: 'delivers tunnel traffic of VNI 200 from hv-2 to b1',
    packet: (p) => fromTunnel(p, VNI_B, REMOTE_UNDERLAY, b3, b1),
    expect: (p) => [{ port: p.of(b1.interfaceId) }],
  },
  {
    name: 'answers ARP from a1 for a2 back on the asking port',
    packet: (p) => ({
      inPort: p.of(a1.interfaceId),
      ethType: 'arp',
      ethSrc: a1.mac,
      ethDst: 'ff:ff:ff:ff:ff:ff',
      arpOp: 1,
      arpSha: a1.mac,
      arpSpa: a1.ip,
      arpTpa: a2.ip,
    }),
    expect: () => [{ port: 'in_port' }],
  },
  {
    name: 'drops IPv4 from a1 to b2, a port of VPC B with the address of a2',
    packet: (p) => ipv4(p, a1, b2),
    expect: () => [],
  },
  {
    name: 'drops IPv4 from b1 to a2 across VPCs',
    packet: (p) => ipv4(p, b1, a2),
    expect: () => [],
  },
  {
    name: 'drops IPv4 from b1 to a3, a remote port of VPC A',
    packet: (p) => ipv4(p, b1, a3),
    expect: () => [],
  },
  {
    name: 'drops tunnel traffic of VNI 200 addressed to a1',
    packet: (p) => fromTunnel(p, VNI_B, REMOTE_UNDERLAY, b3, a1),
    expect: () => [],
  },
  {
    name: 'drops tunnel traffic from an underlay hosting no port of the VPC',
    packet: (p) => fromTunnel(p, VNI_A, STRANGER_UNDERLAY, a3, a1),
    expect: () => [],
  },
  {
    name: 'drops IPv4 from a1 with the source MAC and IP of a2 (spoofed)',
    packet: (p) => ipv4(p, { ...a2, interfaceId: a1.interfaceId }, a3),
    expect: () => [],
  },
  {
    name: 'drops IPv4 from a1 with a source IP not its own (spoofed)',
    packet: (p) => ipv4(p, { ...a1, ip: '10.0.0.99' }, a2),
    expect: () => [],
  },
  {
    name: 'drops ARP from a1 claiming the address of a2 (spoofed)',
    packet: (p) => ({
      inPort: p.of(a1.interfaceId),
      ethType: 'arp',
      ethSrc: a1.mac,
      ethDst: 'ff:ff:ff:ff:ff:ff',
      arpOp: 1,
      arpSha: a1.mac,
      arpSpa: a2.ip,
      arpTpa: '10.0.0.1',
    }),
    expect: () => [],
  },
];
