import { setTimeout as sleep } from 'node:timers/promises';
import type { Region } from '../region/local-region.js';
import { ownerOf } from './packets-under-load.js';

/** A fault the packet watch runs through: the test asserts on it, the bench reports it. */
export interface PacketFault {
  readonly name: string;
  /** What the fault is, for the bench's table. */
  readonly title: string;
  /** Whether traffic allowed between two interfaces must go on through it untouched. */
  readonly dataPlaneSurvives: boolean;
  run(region: Region): Promise<void>;
}

/** The faults of chassis 0 (an ovs chassis, `hv1`) and its control plane. */
export const packetFaults: readonly PacketFault[] = [
  {
    name: 'northd',
    title: 'kill -9 of the northd owning the chassis, restarted after 4 s',
    dataPlaneSurvives: true,
    async run(region) {
      const victim = await ownerOf(region, region.chassis[0]!.id);
      const index = region.northds.indexOf(victim);
      await victim.stop('SIGKILL');
      await sleep(4000); // past the lease TTL: the survivor takes the chassis over
      // Back on its port, as behind a Service: the agents' NORTHD_ADDR names northd-0's, and a
      // northd-0 on a new port would leave them without one for the rest of the run.
      await region.startNorthd(index, { GRPC_LISTEN: `127.0.0.1:${victim.grpcPort}` });
    },
  },
  {
    name: 'southd',
    title: 'kill -9 of every southd, restarted after 2 s',
    dataPlaneSurvives: true,
    async run(region) {
      await Promise.all(region.southds.map((s) => s.stop('SIGKILL')));
      await sleep(2000);
      for (let i = 0; i < region.southds.length; i++) await region.startSouthd(i);
    },
  },
  {
    name: 'vswitchd',
    title: 'kill -9 of ovs-vswitchd, restarted after 1 s (for contrast: the data plane itself)',
    dataPlaneSurvives: false,
    async run(region) {
      const sandbox = region.ovsSandbox(0)!;
      await sandbox.killSwitch();
      await sleep(1000);
      await sandbox.startSwitch();
    },
  },
];
