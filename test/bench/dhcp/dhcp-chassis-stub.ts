import { ChassisServiceService, type ChassisState } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createServer, RpcError, Status } from '@vpcd/rpc';

/** The bound clients of the DHCP benchmark: MAC `<prefix>:<index>` gets 10.128.x.y. */
export function benchChassisState(
  chassisId: string,
  clients: number,
  macPrefix: string,
): ChassisState {
  const ports = Array.from({ length: clients }, (_, i) => {
    const host = i + 10;
    const suffix = [i >>> 16, (i >>> 8) & 255, i & 255]
      .map((b) => b.toString(16).padStart(2, '0'))
      .join(':');
    return {
      interfaceId: `if-${i}`,
      vpcId: 'vpc-bench',
      name: `vm-${i}`,
      ip: `10.128.${host >>> 8}.${host & 255}`,
      mac: `${macPrefix}:${suffix}`,
    };
  });
  return {
    chassisId,
    epoch: 1,
    generation: 1,
    changes: [],
    vpcs: [{ vpcId: 'vpc-bench', vni: 4242, cidr: '10.128.0.0/16', gatewayIp: '10.128.0.1' }],
    ports,
    remotePorts: [],
  };
}

/** A stand-in for northd's ChassisService: SyncInitialChassis answers `state`. */
export async function startBenchChassisStub(
  state: ChassisState,
): Promise<{ address: string; stop(): Promise<void> }> {
  const server = createServer({
    logger: createLogger({ name: 'dhcp-bench-northd', level: 'silent' }),
    registry: createRegistry({ service: 'dhcp-bench-northd', collectDefault: false }),
  });
  const unimplemented = () => Promise.reject(new RpcError(Status.UNIMPLEMENTED, 'stand-in'));
  server.add(ChassisServiceService, {
    registerChassis: unimplemented,
    heartbeat: unimplemented,
    getChassis: unimplemented,
    listChassis: unimplemented,
    syncInitialChassis: () => Promise.resolve({ state }),
  });
  const port = await server.listen('127.0.0.1:0');
  return { address: `127.0.0.1:${port}`, stop: () => server.shutdown() };
}
