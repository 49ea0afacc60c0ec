// The one validator of a port's fields, shared by northd (CreateInterface refuses what fails it)
// and the flow compiler (a chassis leaves a port that fails it out of its flows). Every reason the
// compiler can refuse a port is a check here or in screenChassisState (duplicates, which need the
// whole state); `port-unbound` is the one reason a chassis finds on its switch, not in the state.
// Pure.
import { isUnicastMac, parseIpv4, parseMac } from './addresses.js';
import { VNI_MAX } from './pipeline.js';

/** Why a port is refused; a small fixed set, fit for a metric label. */
export type PortRejectReason =
  | 'invalid-interface-id'
  | 'duplicate-interface-id'
  | 'unknown-vpc'
  | 'invalid-vpc'
  | 'invalid-ip'
  | 'gateway-ip'
  | 'duplicate-ip'
  | 'invalid-mac'
  | 'gateway-mac'
  | 'invalid-underlay-ip'
  | 'remote-on-this-chassis'
  /** The switch holds the interface's port but gave it no number (its device failed). */
  | 'port-unbound';

export const PORT_REJECT_REASONS: readonly PortRejectReason[] = Object.freeze([
  'invalid-interface-id',
  'duplicate-interface-id',
  'unknown-vpc',
  'invalid-vpc',
  'invalid-ip',
  'gateway-ip',
  'duplicate-ip',
  'invalid-mac',
  'gateway-mac',
  'invalid-underlay-ip',
  'remote-on-this-chassis',
  'port-unbound',
]);

/** One problem of a port: the field at fault (as PortState and CreateInterfaceRequest name it). */
export interface PortProblem {
  readonly field: 'interface_id' | 'vpc_id' | 'ip' | 'mac' | 'underlay_ip' | 'chassis_id';
  readonly reason: PortRejectReason;
  readonly message: string;
}

/** What the validator reads of a port. */
export interface PortFields {
  readonly interfaceId: string;
  readonly vpcId: string;
  readonly ip: string;
  readonly mac: string;
}

/** What the validator reads of the port's VPC. */
export interface VpcFields {
  readonly vpcId: string;
  readonly vni: number;
  readonly gatewayIp: string;
}

/** First and last MAC of the gateways' range: `0e:00:00` followed by a 24-bit VNI. */
export const GATEWAY_MAC_RANGE = '0e:00:00:00:00:00-0e:00:00:ff:ff:ff';
const GATEWAY_OUI = 0x0e0000;

const quote = (text: string) => JSON.stringify(text);

/** True for a MAC in the gateways' range (reserved: no interface may use one, of any VPC). */
export function isGatewayRangeMac(mac: string): boolean {
  const value = parseMac(mac);
  return value !== undefined && Math.floor(value / 2 ** 24) === GATEWAY_OUI;
}

/** The problems of a VPC as the flows need it: a 24-bit VNI other than 0, an IPv4 gateway. */
export function vpcProblems(vpc: VpcFields): string[] {
  const problems: string[] = [];
  const { vni, gatewayIp } = vpc;
  if (!Number.isInteger(vni) || vni < 1 || vni > VNI_MAX) {
    problems.push(`vni ${vni} is not in 1..${VNI_MAX}`);
  }
  if (parseIpv4(gatewayIp) === undefined) {
    problems.push(`gateway_ip ${quote(gatewayIp)} is not IPv4`);
  }
  return problems;
}

/**
 * The problems of one port in its VPC (undefined: the VPC is unknown), each naming its field.
 * Empty when the flows can carry the port, as far as one port can tell: duplicates within a
 * chassis' state are screenChassisState's, and within a VPC the database's unique keys.
 */
export function checkPort(port: PortFields, vpc: VpcFields | undefined): PortProblem[] {
  const problems: PortProblem[] = [];
  if (port.interfaceId === '') {
    problems.push({
      field: 'interface_id',
      reason: 'invalid-interface-id',
      message: 'interface_id is empty',
    });
  }
  if (vpc === undefined) {
    problems.push({
      field: 'vpc_id',
      reason: 'unknown-vpc',
      message: `vpc ${quote(port.vpcId)} is not in vpcs`,
    });
  } else {
    for (const problem of vpcProblems(vpc)) {
      problems.push({
        field: 'vpc_id',
        reason: 'invalid-vpc',
        message: `vpc ${quote(vpc.vpcId)}: ${problem}`,
      });
    }
  }
  if (parseIpv4(port.ip) === undefined) {
    problems.push({
      field: 'ip',
      reason: 'invalid-ip',
      message: `ip ${quote(port.ip)} is not IPv4`,
    });
  } else if (vpc !== undefined && port.ip === vpc.gatewayIp) {
    problems.push({
      field: 'ip',
      reason: 'gateway-ip',
      message: `ip ${port.ip} is taken in its vpc by the gateway`,
    });
  }
  const mac = parseMac(port.mac);
  if (mac === undefined || !isUnicastMac(mac)) {
    problems.push({
      field: 'mac',
      reason: 'invalid-mac',
      message: `mac ${quote(port.mac)} is not a unicast MAC`,
    });
  } else if (isGatewayRangeMac(port.mac)) {
    problems.push({
      field: 'mac',
      reason: 'gateway-mac',
      message: `mac ${port.mac.toLowerCase()} is in the gateways' range ${GATEWAY_MAC_RANGE}`,
    });
  }
  return problems;
}
