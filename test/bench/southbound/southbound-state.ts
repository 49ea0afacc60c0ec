import type { ChassisState } from '@vpcd/api';

/**
 * A chassis with `ports` local interfaces spread over VPCs of 10 (each VPC also has as many
 * interfaces on other chassis), and the OpenFlow port numbers they are bound to.
 */
export function largeChassisState(
  ports: number,
  generation = 1,
): {
  state: ChassisState;
  portNumbers: Map<string, number>;
} {
  const vpcCount = Math.ceil(ports / 10);
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  const state: ChassisState = {
    chassisId: 'bench',
    epoch: 1,
    generation,
    changes: [],
    vpcs: [],
    ports: [],
    remotePorts: [],
  };
  const portNumbers = new Map<string, number>();
  for (let v = 0; v < vpcCount; v++) {
    const vpcId = `vpc-${hex(v, 4)}`;
    const second = 10 + Math.floor(v / 256);
    const third = v % 256;
    state.vpcs.push({
      vpcId,
      vni: 1000 + v,
      cidr: `10.${second}.${third}.0/24`,
      gatewayIp: `10.${second}.${third}.1`,
    });
    for (let i = 0; i < 10 && state.ports.length < ports; i++) {
      const id = `if-${hex(v, 4)}-${hex(i, 2)}`;
      state.ports.push({
        interfaceId: id,
        vpcId,
        name: id,
        ip: `10.${second}.${third}.${i + 2}`,
        mac: `02:00:${hex(v >> 8, 2)}:${hex(v & 255, 2)}:00:${hex(i, 2)}`,
      });
      portNumbers.set(id, state.ports.length);
      state.remotePorts.push({
        interfaceId: `rm-${hex(v, 4)}-${hex(i, 2)}`,
        vpcId,
        ip: `10.${second}.${third}.${i + 100}`,
        mac: `02:01:${hex(v >> 8, 2)}:${hex(v & 255, 2)}:00:${hex(i, 2)}`,
        chassisId: `remote-${i}`,
        underlayIp: `192.0.2.${i + 10}`,
      });
    }
  }
  return { state, portNumbers };
}
