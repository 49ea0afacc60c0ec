import type { ChassisState, PortState, RemotePortState, VpcState } from '@vpcd/api';
import { digest128, DigestSum } from './state-hash.js';

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
 * The digest of one entry of a kind: digest128 of `<kind> <line>\n`, the kind first so that a
 * port and a remote port (or a VPC) of the same fields never digest alike. Entries are not
 * mutated once received: each object is digested once (a chassis holds the objects of what a
 * delta leaves alone, and northd the rows it read).
 */
function entryDigest<T extends object>(kind: string, encode: (entry: T) => string) {
  const digests = new WeakMap<T, bigint>();
  return (entry: T): bigint => {
    let value = digests.get(entry);
    if (value === undefined) {
      value = digest128(`${kind} ${encode(entry)}\n`);
      digests.set(entry, value);
    }
    return value;
  };
}

export const vpcDigest = entryDigest('vpc', encodeVpc);
export const portDigest = entryDigest('port', encodePort);
export const remotePortDigest = entryDigest('remote_port', encodeRemotePort);

/**
 * The hash of the logical state of a chassis: the sum modulo 2^128 of its entries' digests
 * (vpcDigest, portDigest, remotePortDigest), in 32 hex digits. Epoch, revision, changes and the
 * chassis id are left out: two chassis that hold the same content at different revisions hash
 * alike, which is what northd's audit compares. Independent of the order of the lists, and kept
 * by HeldState as deltas change the state, in time proportional to the delta; entries are
 * hashed as given (no address is normalised), so northd and the chassis must hash the same rows.
 */
export function contentHash(state: ChassisState): string {
  const sum = new DigestSum();
  for (const vpc of state.vpcs) sum.add(vpcDigest(vpc));
  for (const port of state.ports) sum.add(portDigest(port));
  for (const port of state.remotePorts) sum.add(remotePortDigest(port));
  return sum.hex();
}
