// A ChassisService for hvflowd's tests: records every call, answers SyncInitialChassis with the
// state the test gives, and answers UNAVAILABLE while `available` is false.
import {
  ChassisServiceService,
  type ChassisState,
  type HeartbeatRequest,
  type RegisterChassisRequest,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createServer, RpcError, Status, type Metadata } from '@vpcd/rpc';

export interface FakeNorthd {
  readonly address: string;
  /** While false, every call fails with UNAVAILABLE (counted in `refused`). */
  available: boolean;
  /** While true, heartbeats alone fail with UNAVAILABLE (counted in `refused`). */
  refuseHeartbeats: boolean;
  /** Heartbeats of these chassis are answered with driftDetected. */
  readonly drifting: Set<string>;
  /** Heartbeats of these chassis are answered NOT_FOUND until they register again. */
  readonly forgotten: Set<string>;
  /** RegisterChassis takes this long to answer; default 0. */
  registerDelayMs: number;
  /** The most RegisterChassis calls seen in flight at once. */
  maxConcurrentRegisters: number;
  readonly registered: RegisterChassisRequest[];
  readonly synced: string[];
  readonly heartbeats: HeartbeatRequest[];
  /** The `authorization` metadata of every call. */
  readonly authorizations: string[];
  readonly refused: { register: number; sync: number; heartbeat: number };
  stop(): Promise<void>;
}

export async function startFakeNorthd(
  stateFor: (chassisId: string) => ChassisState | undefined,
): Promise<FakeNorthd> {
  const rpc = createServer({
    logger: createLogger({ name: 'test', level: 'silent' }),
    registry: createRegistry({ service: 'fake-northd', collectDefault: false }),
  });
  const unimplemented = () => Promise.reject(new RpcError(Status.UNIMPLEMENTED, 'not in the fake'));
  const northd: Omit<FakeNorthd, 'address' | 'stop'> = {
    available: true,
    refuseHeartbeats: false,
    drifting: new Set(),
    forgotten: new Set(),
    registerDelayMs: 0,
    maxConcurrentRegisters: 0,
    registered: [],
    synced: [],
    heartbeats: [],
    authorizations: [],
    refused: { register: 0, sync: 0, heartbeat: 0 },
  };
  const gate = (kind: keyof FakeNorthd['refused'], metadata: Metadata) => {
    northd.authorizations.push(metadata.get('authorization').map(String).join());
    if (northd.available && !(kind === 'heartbeat' && northd.refuseHeartbeats)) return;
    northd.refused[kind]++;
    throw new RpcError(Status.UNAVAILABLE, 'northd is not there yet');
  };
  let registering = 0;
  rpc.add(ChassisServiceService, {
    registerChassis: async (req, call) => {
      gate('register', call.metadata);
      registering++;
      northd.maxConcurrentRegisters = Math.max(northd.maxConcurrentRegisters, registering);
      await new Promise((resolve) => setTimeout(resolve, northd.registerDelayMs));
      registering--;
      northd.registered.push(req);
      northd.forgotten.delete(req.chassisId);
      return {
        id: req.chassisId,
        hostname: req.hostname,
        underlayIp: req.underlayIp,
        hvflowdAddr: req.hvflowdAddr,
        owner: '',
        epoch: 0,
        desiredGeneration: 0,
        appliedGeneration: 0,
        stateHash: '',
        lastHeartbeatTime: undefined,
      };
    },
    syncInitialChassis: (req, call) => {
      gate('sync', call.metadata);
      const state = stateFor(req.chassisId);
      if (!state) throw new RpcError(Status.NOT_FOUND, `chassis ${req.chassisId} not found`);
      northd.synced.push(req.chassisId);
      return Promise.resolve({ state });
    },
    heartbeat: (req, call) => {
      gate('heartbeat', call.metadata);
      if (northd.forgotten.has(req.chassisId)) {
        throw new RpcError(Status.NOT_FOUND, `chassis ${req.chassisId} not found`);
      }
      northd.heartbeats.push(req);
      return Promise.resolve({
        desiredGeneration: req.appliedGeneration,
        driftDetected: northd.drifting.has(req.chassisId),
      });
    },
    getChassis: unimplemented,
    listChassis: unimplemented,
  });
  const port = await rpc.listen('127.0.0.1:0');
  return Object.assign(northd, {
    address: `127.0.0.1:${port}`,
    stop: () => rpc.shutdown(),
  });
}
