import type { Region } from '../local-region.js';
import { memoryChassis, ovsChassis, type ReadChassis } from './actual-chassis.js';

/**
 * How to read each of the region's chassis (not the simulated fleet's): its Open vSwitch bridge
 * for the ovs datapath, its hvflowd's table otherwise. Each read finds the hvflowd running then,
 * so a restarted one is read too. hvflowd answers southd's certificate only: it reads as southd.
 */
export function regionChassis(region: Region): Map<string, ReadChassis> {
  const tls = region.tls?.clientTls('southd');
  return new Map(
    region.chassis.map((spec, i) => {
      const address = () => `127.0.0.1:${region.hvflowds[i]!.grpcPort}`;
      const read: ReadChassis = () => {
        const sandbox = region.ovsSandbox(i);
        return sandbox ? ovsChassis(sandbox, address(), tls)() : memoryChassis(address(), tls)();
      };
      return [spec.id, read];
    }),
  );
}
