import { ChassisServiceService, type ChassisState } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createServer, refusedWithPushback, RpcError, Status } from '@vpcd/rpc';

/** A stand-in for northd's ChassisService that answers SyncInitialChassis with a set state. */
export interface ChassisStub {
  /** host:port to give hvaddr as NORTHD_ADDR. */
  readonly address: string;
  /** SyncInitialChassis calls received. */
  readonly calls: number;
  /** The `authorization` header of the last call. */
  readonly lastAuthorization: string | undefined;
  setState(state: ChassisState): void;
  /** While set, every call fails with this code. */
  failWith(code: Status | undefined): void;
  /** While set, every SyncInitialChassis is refused as northd's resync throttle refuses it. */
  throttleWith(pushbackMs: number | undefined): void;
  stop(): Promise<void>;
}

export async function startChassisStub(initial: ChassisState): Promise<ChassisStub> {
  let state = initial;
  let failure: Status | undefined;
  let pushbackMs: number | undefined;
  let calls = 0;
  let lastAuthorization: string | undefined;
  const server = createServer({
    logger: createLogger({ name: 'chassis-stub', level: 'silent' }),
    registry: createRegistry({ service: 'chassis-stub', collectDefault: false }),
  });
  const unimplemented = () =>
    Promise.reject(new RpcError(Status.UNIMPLEMENTED, 'not in the stand-in'));
  server.add(ChassisServiceService, {
    registerChassis: unimplemented,
    heartbeat: unimplemented,
    getChassis: unimplemented,
    listChassis: unimplemented,
    syncInitialChassis: (request, call) => {
      calls += 1;
      lastAuthorization = call.metadata.get('authorization')[0]?.toString();
      if (failure !== undefined) return Promise.reject(new RpcError(failure, 'stand-in failure'));
      if (pushbackMs !== undefined)
        return Promise.reject(refusedWithPushback('stand-in throttle', pushbackMs));
      if (request.chassisId !== state.chassisId) {
        return Promise.reject(new RpcError(Status.NOT_FOUND, `no chassis ${request.chassisId}`));
      }
      return Promise.resolve({ state });
    },
  });
  const port = await server.listen('127.0.0.1:0');
  return {
    address: `127.0.0.1:${port}`,
    get calls() {
      return calls;
    },
    get lastAuthorization() {
      return lastAuthorization;
    },
    setState: (next) => {
      state = next;
    },
    throttleWith: (ms) => {
      pushbackMs = ms;
    },
    failWith: (code) => {
      failure = code;
    },
    stop: () => server.shutdown(),
  };
}

export interface StatePort {
  readonly mac: string;
  readonly ip: string;
  readonly name?: string;
  readonly vpcId?: string;
}

/** A chassis state with one VPC (`cidr`, gateway its first host) and the given ports. */
export function chassisState(
  chassisId: string,
  ports: readonly StatePort[],
  vpc: { vpcId?: string; cidr: string; gatewayIp: string } = {
    cidr: '10.0.0.0/24',
    gatewayIp: '10.0.0.1',
  },
): ChassisState {
  const vpcId = vpc.vpcId ?? 'vpc-1';
  return {
    chassisId,
    epoch: 1,
    generation: 1,
    changes: [],
    vpcs: [{ vpcId, vni: 100, cidr: vpc.cidr, gatewayIp: vpc.gatewayIp }],
    ports: ports.map((p, i) => ({
      interfaceId: `if-${i + 1}`,
      vpcId: p.vpcId ?? vpcId,
      name: p.name ?? `vm-${i + 1}`,
      ip: p.ip,
      mac: p.mac,
    })),
    remotePorts: [],
  };
}
