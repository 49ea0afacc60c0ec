import type { ChassisState } from '@vpcd/api';
import { formatHex, isUnicastMac, parseIpv4, parseMac } from './addresses.js';
import { FlowsError } from './flows-error.js';
import { gatewayMac, VNI_MAX } from './pipeline.js';

/** Options of compileFlows. */
export interface CompileOptions {
  /** The OpenFlow port number (ofport) of every local interface on br-int, by interface id. */
  readonly portNumbers: ReadonlyMap<string, number>;
  /** The ofport of the one VXLAN port (`options:key=flow options:remote_ip=flow`). */
  readonly tunnelPort: number;
  /**
   * The ofport of hvaddr's port (`vpcd-dhcp`), which DHCP from the local ports is steered to;
   * undefined: no DHCP steering (DHCP is dropped).
   */
  readonly dhcpPort?: number;
}

// The plan holds addresses as canonical flow text (lower-case MACs, dotted IPv4 without leading
// zeros, `0x` VNIs): each is formatted once, however many flows use it.

export interface VpcPlan {
  readonly vpcId: string;
  readonly vni: number;
  /** The VNI in hex, as reg0 and tun_id print it. */
  readonly tag: string;
  readonly gatewayIp: string;
  readonly gatewayMac: string;
}

export interface PortPlan {
  readonly interfaceId: string;
  readonly vpc: VpcPlan;
  readonly ip: string;
  readonly mac: string;
}

export interface LocalPortPlan extends PortPlan {
  readonly ofport: number;
}

export interface RemotePortPlan extends PortPlan {
  readonly underlayIp: string;
}

/** A validated ChassisState with canonical addresses and resolved references. */
export interface ChassisPlan {
  readonly vpcs: readonly VpcPlan[];
  readonly ports: readonly LocalPortPlan[];
  readonly remotePorts: readonly RemotePortPlan[];
  readonly tunnelPort: number;
  readonly dhcpPort: number | undefined;
}

/** OpenFlow physical port numbers are 1..0xfeff (0xff00 and above are reserved). */
const OFPORT_MAX = 0xfeff;

const quote = (text: string) => JSON.stringify(text);
const isOfport = (value: number) => Number.isInteger(value) && value >= 1 && value <= OFPORT_MAX;

/**
 * Validates the state and options once, naming every problem in one error: `invalid-state` when
 * the state is inconsistent, else `invalid-options` when the port numbers do not fit it.
 */
export function planChassis(state: ChassisState, options: CompileOptions): ChassisPlan {
  const problems: string[] = [];
  const vpcs = new Map<string, VpcPlan>();
  const vnis = new Set<number>();
  for (const { vpcId, vni, gatewayIp } of state.vpcs) {
    const at = `vpc ${quote(vpcId)}`;
    if (vpcId === '') problems.push('a vpc has an empty vpc_id');
    else if (vpcs.has(vpcId)) problems.push(`${at} is listed twice`);
    if (!Number.isInteger(vni) || vni < 1 || vni > VNI_MAX) {
      problems.push(`${at}: vni ${vni} is not in 1..${VNI_MAX}`);
    } else if (vnis.has(vni)) problems.push(`${at}: vni ${vni} is used by another vpc`);
    vnis.add(vni);
    const gatewayOk = parseIpv4(gatewayIp) !== undefined;
    if (!gatewayOk) problems.push(`${at}: gateway_ip ${quote(gatewayIp)} is not IPv4`);
    if (!vpcs.has(vpcId) && gatewayOk) {
      vpcs.set(vpcId, {
        vpcId,
        vni,
        tag: formatHex(vni),
        gatewayIp,
        gatewayMac: gatewayMac(vni),
      });
    }
  }

  const interfaceIds = new Set<string>();
  // Addresses taken in each VPC, as `<vni>/<ip>`: the gateway's, then each port's.
  const taken = new Set([...vpcs.values()].map((vpc) => `${vpc.vni}/${vpc.gatewayIp}`));
  const checkPort = (
    kind: string,
    port: ChassisState['remotePorts'][number] | ChassisState['ports'][number],
  ): PortPlan | undefined => {
    const at = () => `${kind} ${quote(port.interfaceId)}`;
    if (port.interfaceId === '') problems.push(`a ${kind} has an empty interface_id`);
    else if (interfaceIds.has(port.interfaceId)) problems.push(`${at()} is listed twice`);
    interfaceIds.add(port.interfaceId);
    const vpc = vpcs.get(port.vpcId);
    const ipOk = parseIpv4(port.ip) !== undefined;
    const macValue = parseMac(port.mac);
    const macOk = macValue !== undefined && isUnicastMac(macValue);
    if (vpc === undefined) problems.push(`${at()}: vpc ${quote(port.vpcId)} is not in vpcs`);
    if (!ipOk) problems.push(`${at()}: ip ${quote(port.ip)} is not IPv4`);
    if (!macOk) problems.push(`${at()}: mac ${quote(port.mac)} is not a unicast MAC`);
    if (vpc === undefined || !ipOk || !macOk) return undefined;
    const mac = port.mac.toLowerCase();
    if (taken.has(`${vpc.vni}/${port.ip}`)) {
      problems.push(`${at()}: ip ${port.ip} is taken in its vpc`);
    }
    if (mac === vpc.gatewayMac) problems.push(`${at()}: mac ${mac} is its vpc's gateway MAC`);
    taken.add(`${vpc.vni}/${port.ip}`);
    return { interfaceId: port.interfaceId, vpc, ip: port.ip, mac };
  };

  const ports: LocalPortPlan[] = [];
  const optionProblems: string[] = [];
  const { portNumbers, tunnelPort, dhcpPort } = options;
  if (!isOfport(tunnelPort)) {
    optionProblems.push(`tunnelPort ${tunnelPort} is not in 1..${OFPORT_MAX}`);
  }
  if (dhcpPort !== undefined && (!isOfport(dhcpPort) || dhcpPort === tunnelPort)) {
    optionProblems.push(`dhcpPort ${dhcpPort} is not in 1..${OFPORT_MAX} or is the tunnel's`);
  }
  const owners = new Map<number, string>();
  for (const port of state.ports) {
    const plan = checkPort('port', port);
    const at = () => `port ${quote(port.interfaceId)}`;
    const ofport = portNumbers.get(port.interfaceId);
    if (ofport === undefined) optionProblems.push(`${at()} has no port number`);
    else if (!isOfport(ofport) || ofport === tunnelPort || ofport === dhcpPort) {
      optionProblems.push(
        `${at()}: port number ${ofport} is not in 1..${OFPORT_MAX} or is the tunnel's or hvaddr's`,
      );
    } else if (owners.has(ofport)) {
      optionProblems.push(`${at()}: port number ${ofport} is also ${quote(owners.get(ofport)!)}'s`);
    } else owners.set(ofport, port.interfaceId);
    if (plan !== undefined && ofport !== undefined) ports.push({ ...plan, ofport });
  }

  const remotePorts: RemotePortPlan[] = [];
  for (const port of state.remotePorts) {
    const plan = checkPort('remote port', port);
    const at = () => `remote port ${quote(port.interfaceId)}`;
    const underlayOk = parseIpv4(port.underlayIp) !== undefined;
    if (!underlayOk) problems.push(`${at()}: underlay_ip ${quote(port.underlayIp)} is not IPv4`);
    if (port.chassisId === state.chassisId) problems.push(`${at()} is on this chassis`);
    if (plan !== undefined && underlayOk) {
      remotePorts.push({ ...plan, underlayIp: port.underlayIp });
    }
  }

  if (problems.length > 0) throw new FlowsError('invalid-state', problems);
  if (optionProblems.length > 0) throw new FlowsError('invalid-options', optionProblems);
  return { vpcs: [...vpcs.values()], ports, remotePorts, tunnelPort, dhcpPort };
}
