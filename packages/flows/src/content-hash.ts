import { createHash } from 'node:crypto';
import type { ChassisState, PortState, RemotePortState, VpcState } from '@vpcd/api';

// One entry a line, as a JSON array of its fields in a fixed order: no field can run into the
// next, whatever text an id holds.

export const encodeVpc = (vpc: VpcState): string =>
  JSON.stringify([vpc.vpcId, vpc.vni, vpc.cidr, vpc.gatewayIp]);

export const encodePort = (port: PortState): string =>
  JSON.stringify([port.interfaceId, port.vpcId, port.name, port.ip, port.mac]);

export const encodeRemotePort = (port: RemotePortState): string =>
  JSON.stringify([
    port.interfaceId,
    port.vpcId,
    port.ip,
    port.mac,
    port.chassisId,
    port.underlayIp,
  ]);

/**
 * SHA-256 (hex) of the logical state of a chassis: its VPCs, ports and remote ports, each list
 * sorted, one canonical line an entry (the line begins with the id, so the order is by id).
 * Epoch, revision, changes and the chassis id are left out: two chassis that hold the same
 * content at different revisions hash alike, which is what northd's audit compares. Independent
 * of the order of the lists; entries are hashed as given (no address is normalised), so northd
 * and the chassis must hash the same rows.
 */
export function contentHash(state: ChassisState): string {
  const hash = createHash('sha256');
  const section = (name: string, lines: string[]) => {
    hash.update(`${name} ${lines.length}\n`);
    for (const line of lines.sort()) hash.update(`${line}\n`);
  };
  section('vpcs', state.vpcs.map(encodeVpc));
  section('ports', state.ports.map(encodePort));
  section('remote_ports', state.remotePorts.map(encodeRemotePort));
  return hash.digest('hex');
}
