// A small chassis used by the unit tests: two VPCs with the same CIDR (so 10.0.0.5 exists in
// both), three local ports and one remote port. Not exported from the package.
import type { ChassisState } from '@vpcd/api';
import type { CompileOptions } from './chassis-plan.js';

export function sampleState(): ChassisState {
  return {
    chassisId: 'ch-1',
    epoch: 1,
    generation: 1,
    changes: [],
    vpcs: [
      { vpcId: 'vpc-a', vni: 100, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' },
      { vpcId: 'vpc-b', vni: 200, cidr: '10.0.0.0/24', gatewayIp: '10.0.0.1' },
    ],
    ports: [
      {
        interfaceId: 'if-a1',
        vpcId: 'vpc-a',
        name: 'a1',
        ip: '10.0.0.5',
        mac: '02:00:00:00:00:01',
      },
      {
        interfaceId: 'if-a2',
        vpcId: 'vpc-a',
        name: 'a2',
        ip: '10.0.0.6',
        mac: '02:00:00:00:00:02',
      },
      {
        interfaceId: 'if-b1',
        vpcId: 'vpc-b',
        name: 'b1',
        ip: '10.0.0.5',
        mac: '02:00:00:00:00:03',
      },
    ],
    remotePorts: [
      {
        interfaceId: 'if-a3',
        vpcId: 'vpc-a',
        ip: '10.0.0.7',
        mac: '02:00:00:00:00:07',
        chassisId: 'ch-2',
        underlayIp: '192.168.1.2',
      },
    ],
  };
}

export const SAMPLE_TUNNEL_PORT = 100;

export function sampleOptions(): CompileOptions {
  return {
    portNumbers: new Map([
      ['if-a1', 1],
      ['if-a2', 2],
      ['if-b1', 3],
    ]),
    tunnelPort: SAMPLE_TUNNEL_PORT,
  };
}
