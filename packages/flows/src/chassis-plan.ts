import type { ChassisState } from '@vpcd/api';
import { formatHex } from './addresses.js';
import { FlowsError } from './flows-error.js';
import { gatewayMac } from './pipeline.js';
import { screenChassisState } from './screen-state.js';

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
 * the state holds anything screenChassisState rejects, else `invalid-options` when the port
 * numbers do not fit it. compileChassis plans only the accepted part of a state, so never the
 * former.
 */
export function planChassis(state: ChassisState, options: CompileOptions): ChassisPlan {
  const screened = screenChassisState(state);
  const problems = [...screened.vpcProblems, ...screened.rejected.flatMap((r) => r.problems)];
  if (problems.length > 0) throw new FlowsError('invalid-state', problems);

  const vpcs = new Map<string, VpcPlan>();
  for (const { vpcId, vni, gatewayIp } of state.vpcs) {
    vpcs.set(vpcId, { vpcId, vni, tag: formatHex(vni), gatewayIp, gatewayMac: gatewayMac(vni) });
  }
  const portPlan = (port: {
    interfaceId: string;
    vpcId: string;
    ip: string;
    mac: string;
  }): PortPlan => ({
    interfaceId: port.interfaceId,
    vpc: vpcs.get(port.vpcId)!,
    ip: port.ip,
    mac: port.mac.toLowerCase(),
  });

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
    if (ofport !== undefined) ports.push({ ...portPlan(port), ofport });
  }
  const remotePorts: RemotePortPlan[] = state.remotePorts.map((port) => ({
    ...portPlan(port),
    underlayIp: port.underlayIp,
  }));

  if (optionProblems.length > 0) throw new FlowsError('invalid-options', optionProblems);
  return { vpcs: [...vpcs.values()], ports, remotePorts, tunnelPort, dhcpPort };
}
