import type { HvflowdServiceService } from '@vpcd/api';
import { renderFlow, sortFlows } from '@vpcd/flows';
import { invalidArgument, RpcError, Status, type AsyncServiceImplementation } from '@vpcd/rpc';
import type { ChassisRuntime } from '../chassis/chassis-runtime.js';
import { toRpcError } from './errors.js';

/** Metadata key naming the chassis of a GetChassisState in fleet mode (the request has no field). */
export const CHASSIS_ID_METADATA = 'chassis-id';

/** The chassis this process hosts: one, or a simulated fleet routed by chassis id. */
export interface ChassisDirectory {
  readonly mode: 'single' | 'fleet';
  readonly chassis: ReadonlyMap<string, ChassisRuntime>;
}

/** vpc.v1.HvflowdService: what southd calls to program a chassis, and to read it back. */
export function hvflowdHandlers(
  directory: ChassisDirectory,
): AsyncServiceImplementation<typeof HvflowdServiceService> {
  const single = directory.mode === 'single' ? [...directory.chassis.values()][0] : undefined;

  const route = (chassisId: string, field: string): ChassisRuntime => {
    const runtime = directory.chassis.get(chassisId);
    if (runtime) return runtime;
    if (single) {
      throw invalidArgument([
        { field, description: `this is chassis ${single.chassisId}, not "${chassisId}"` },
      ]);
    }
    if (chassisId === '') throw invalidArgument([{ field, description: 'required' }]);
    throw new RpcError(Status.NOT_FOUND, `chassis ${chassisId} is not simulated here`);
  };

  return {
    async applyChassisState(req) {
      const { state, delta } = req;
      if ((state === undefined) === (delta === undefined)) {
        throw invalidArgument([{ field: 'state', description: 'exactly one of state and delta' }]);
      }
      const runtime = state
        ? route(state.chassisId, 'state.chassis_id')
        : route(delta!.chassisId, 'delta.chassis_id');
      try {
        const outcome = state ? await runtime.apply(state) : await runtime.applyDelta(delta!);
        return {
          appliedGeneration: outcome.appliedGeneration,
          stateHash: outcome.stateHash,
          flowsAdded: outcome.flowsAdded,
          flowsRemoved: outcome.flowsRemoved,
          rejectedPorts: outcome.rejectedPorts.map((r) => ({
            interfaceId: r.interfaceId,
            reason: r.reason,
            message: r.problems.join('; '),
            remote: r.remote,
          })),
          needsFullState: outcome.result === 'needs-full',
          contentHash: outcome.contentHash,
        };
      } catch (err) {
        throw toRpcError(err);
      }
    },

    async getChassisState(_req, call) {
      const runtime =
        single ??
        route(String(call.metadata.get(CHASSIS_ID_METADATA)[0] ?? ''), CHASSIS_ID_METADATA);
      try {
        const snapshot = await runtime.snapshot();
        return {
          chassisId: snapshot.chassisId,
          epoch: snapshot.epoch,
          generation: snapshot.generation,
          stateHash: snapshot.stateHash,
          flows: sortFlows(snapshot.flows).map(renderFlow),
        };
      } catch (err) {
        throw toRpcError(err);
      }
    },
  };
}
