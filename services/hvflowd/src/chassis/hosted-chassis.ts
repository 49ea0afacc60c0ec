import { fleetChassisId, fleetUnderlayIp, type HvflowdConfig } from '../config.js';
import type { Datapath } from '../datapath/datapath.js';
import { MemoryDatapath } from '../datapath/memory-datapath.js';
import { OvsDatapath } from '../datapath/ovs-datapath.js';
import type { ExecFunc } from '../datapath/ovs-exec.js';

/** A chassis this process programs: this host's, or one of a simulated fleet. */
export interface HostedChassis {
  readonly chassisId: string;
  readonly underlayIp: string;
  readonly datapath: Datapath;
}

/**
 * The chassis of this process: one, on the configured driver; or, in fleet mode, `size`
 * simulated ones (`sim-0000`...) on memory datapaths, with underlay addresses 100.64.0.1...
 */
export function hostedChassis(config: HvflowdConfig, exec: ExecFunc): HostedChassis[] {
  const mode = config.chassis;
  if (mode.kind === 'fleet') {
    return Array.from({ length: mode.size }, (_, i) => ({
      chassisId: fleetChassisId(mode.prefix, i, mode.size),
      underlayIp: fleetUnderlayIp(i),
      datapath: new MemoryDatapath(),
    }));
  }
  const datapath =
    config.datapath === 'memory'
      ? new MemoryDatapath()
      : new OvsDatapath({
          bridge: config.ovs.bridge,
          datapathType: config.ovs.datapathType,
          dhcpPortName: config.ovs.dhcpPort,
          underlayIp: mode.underlayIp,
          env: config.ovs.env,
          exec,
        });
  return [{ chassisId: mode.chassisId, underlayIp: mode.underlayIp, datapath }];
}
