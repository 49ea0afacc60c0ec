import { Chassis, RegisterChassisRequest, type ChassisServiceService } from '@vpcd/api';
import { RpcError, Status, type AsyncServiceImplementation } from '@vpcd/rpc';
import { requireChassisAccess } from '../auth/chassis-scope.js';
import { describePrincipal, principal } from '../auth/principal.js';
import { mapErrors } from '../errors.js';
import { chassisRegistry } from '../store/chassis-registry.js';
import { loadChassisStates } from '../store/chassis-state.js';
import { readPage } from '../store/pagination.js';
import { requireId, validateRegisterChassis } from '../validation/requests.js';
import { chassisStateFor, chassisViewFor } from './chassis-view.js';
import type { HandlerDeps } from './deps.js';

export function chassisHandlers(
  deps: HandlerDeps,
): AsyncServiceImplementation<typeof ChassisServiceService> {
  return mapErrors({
    async registerChassis(req) {
      validateRegisterChassis(req);
      requireChassisAccess(req.chassisId);
      // Checked first: a call refused for its input or its caller takes no token.
      const chassis = await deps.chassis.resync.run(resyncCaller(req.chassisId), () =>
        deps.chassis.idempotent(
          'RegisterChassis',
          req.requestId,
          RegisterChassisRequest.encode(req).finish(),
          Chassis,
          (tx) => chassisRegistry.register(tx, req),
        ),
      );
      deps.changed(); // a new underlay address asks full states of its peers: all look
      return chassis;
    },

    async heartbeat(req) {
      requireId('chassis_id', req.chassisId);
      requireChassisAccess(req.chassisId);
      const result = await deps.chassis.heartbeats.record({
        chassisId: req.chassisId,
        appliedGeneration: req.appliedGeneration,
        stateHash: req.stateHash,
        appliedEpoch: req.appliedEpoch,
        contentHash: req.contentHash,
      });
      if (result.drift) deps.changed([req.chassisId]); // its status asked for a full state
      return { desiredGeneration: result.desiredGeneration, driftDetected: result.drift };
    },

    async getChassis(req) {
      requireId('id', req.id);
      return chassisViewFor(principal(), await chassisRegistry.get(deps.db, req.id));
    },

    async listChassis(req) {
      const { chassis, next } = await chassisRegistry.list(
        deps.db,
        readPage(req.pageSize, req.pageToken),
      );
      const p = principal();
      return { chassis: chassis.map((c) => chassisViewFor(p, c)), nextPageToken: next };
    },

    async syncInitialChassis(req) {
      requireId('chassis_id', req.chassisId);
      requireChassisAccess(req.chassisId);
      const state = await deps.chassis.resync.run(resyncCaller(req.chassisId), async () =>
        (await loadChassisStates(deps.chassis.db, [req.chassisId])).get(req.chassisId),
      );
      if (!state)
        throw new RpcError(
          Status.NOT_FOUND,
          `chassis ${req.chassisId} not found; register it first`,
        );
      return { state: chassisStateFor(principal(), state) };
    },
  });
}

/**
 * Whom the resync throttle holds to a retry time: an agent's identity, for the chassis it acts
 * for; undefined (the bucket alone decides) for the operator.
 */
function resyncCaller(chassisId: string): string | undefined {
  const p = principal();
  // Only agents are held to their retry times; an operator's tools may call concurrently.
  return p.kind === 'service' ? `${describePrincipal(p)}/${chassisId}` : undefined;
}
