import type { ChassisState, VpcState } from '@vpcd/api';
import { cidrContains, formatIpv4, parseCidr, parseIpv4, prefixMask } from '@vpcd/dhcp';
import type { Binding } from './binding.js';

/** An interface of the state that gets no DHCP answers, and why. */
export interface SkippedPort {
  readonly interfaceId: string;
  readonly problem: string;
}

export interface BuiltBindings {
  /** By lower-case MAC, without MACs that two interfaces share (DHCP_CLIENT_IDENTITY=chaddr). */
  readonly bindings: ReadonlyMap<string, Binding>;
  /** By interface id, every port that makes sense (DHCP_CLIENT_IDENTITY=port). */
  readonly byInterface: ReadonlyMap<string, Binding>;
  readonly skipped: readonly SkippedPort[];
}

const macPattern = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** RFC 1123 labels, dot-separated, at most 253 characters. */
const hostnamePattern =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * The bindings of one chassis' state: every local port whose VPC, address and MAC make sense.
 * By MAC, a MAC held by two local interfaces (possible across VPCs) is served for neither: a
 * DHCP message carries no VPC, and answering with the wrong VPC's address would be worse than
 * none. By interface, both are: the port a request came in on says which one it is.
 */
export function buildBindings(state: ChassisState): BuiltBindings {
  const vpcs = new Map<string, VpcState>(state.vpcs.map((v) => [v.vpcId, v]));
  const bindings = new Map<string, Binding>();
  const byInterface = new Map<string, Binding>();
  const skipped: SkippedPort[] = [];
  const duplicates = new Set<string>();
  for (const port of state.ports) {
    const skip = (problem: string) => skipped.push({ interfaceId: port.interfaceId, problem });
    const mac = port.mac.toLowerCase().replaceAll('-', ':');
    const vpc = vpcs.get(port.vpcId);
    const cidr = vpc && parseCidr(vpc.cidr);
    const ip = parseIpv4(port.ip);
    const gateway = vpc && parseIpv4(vpc.gatewayIp);
    if (!macPattern.test(mac)) skip(`MAC "${port.mac}" is not an Ethernet address`);
    else if (vpc === undefined) skip(`its VPC ${port.vpcId} is not in the state`);
    else if (cidr === undefined) skip(`VPC CIDR "${vpc.cidr}" is malformed`);
    else if (ip === undefined || !cidrContains(cidr, ip))
      skip(`"${port.ip}" is not in ${vpc.cidr}`);
    else if (gateway === undefined || !cidrContains(cidr, gateway)) {
      skip(`gateway "${vpc.gatewayIp}" is not in ${vpc.cidr}`);
    } else {
      const mask = prefixMask(cidr.prefixLength);
      const binding: Binding = {
        interfaceId: port.interfaceId,
        vpcId: port.vpcId,
        mac,
        ip: formatIpv4(ip),
        subnetMask: formatIpv4(mask),
        gateway: formatIpv4(gateway),
        broadcastAddress: formatIpv4((cidr.network | ~mask) >>> 0),
        hostname: hostnamePattern.test(port.name) ? port.name : undefined,
      };
      byInterface.set(port.interfaceId, binding);
      if (duplicates.has(mac) || bindings.has(mac)) {
        duplicates.add(mac);
        const other = bindings.get(mac);
        bindings.delete(mac);
        const problem = `MAC ${mac} is shared (served by port only)`;
        if (other) skipped.push({ interfaceId: other.interfaceId, problem });
        skip(problem);
      } else bindings.set(mac, binding);
    }
  }
  return { bindings, byInterface, skipped };
}
