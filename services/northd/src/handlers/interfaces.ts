import { randomUUID } from 'node:crypto';
import {
  CreateInterfaceRequest,
  DeleteInterfaceRequest,
  DeleteInterfaceResponse,
  Interface,
  type InterfaceServiceService,
} from '@vpcd/api';
import { invalidArgument, type AsyncServiceImplementation } from '@vpcd/rpc';
import { projectScope } from '../auth/principal.js';
import { mapErrors } from '../errors.js';
import { interfaceStore } from '../store/interfaces.js';
import { readPage } from '../store/pagination.js';
import { requireId, validateCreateInterface } from '../validation/requests.js';
import type { HandlerDeps } from './deps.js';

export function interfaceHandlers(
  deps: HandlerDeps,
): AsyncServiceImplementation<typeof InterfaceServiceService> {
  return mapErrors({
    async createInterface(req) {
      const valid = validateCreateInterface(req);
      const projectId = projectScope();
      // The chassis the write's change rows name; none when the answer is a replay.
      let touched: readonly string[] = [];
      const created = await deps.idempotent(
        'CreateInterface',
        req.requestId,
        CreateInterfaceRequest.encode(req).finish(),
        Interface,
        (tx) =>
          interfaceStore.create(
            tx,
            { id: randomUUID(), vpcId: req.vpcId, chassisId: req.chassisId, ...valid },
            projectId,
            deps,
            (ids) => (touched = ids),
          ),
      );
      deps.changed(touched);
      return created;
    },

    async getInterface(req) {
      requireId('id', req.id);
      return interfaceStore.get(deps.db, req.id, projectScope());
    },

    async listInterfaces(req) {
      if ((req.vpcId === '') === (req.chassisId === '')) {
        throw invalidArgument([
          { field: 'vpc_id', description: 'set exactly one of vpc_id and chassis_id' },
        ]);
      }
      const filter = req.vpcId !== '' ? { vpcId: req.vpcId } : { chassisId: req.chassisId };
      const { interfaces, next } = await interfaceStore.list(
        deps.db,
        filter,
        projectScope(),
        readPage(req.pageSize, req.pageToken),
      );
      return { interfaces, nextPageToken: next };
    },

    async deleteInterface(req) {
      requireId('id', req.id);
      const projectId = projectScope();
      let touched: readonly string[] = [];
      const result = await deps.idempotent(
        'DeleteInterface',
        req.requestId,
        DeleteInterfaceRequest.encode(req).finish(),
        DeleteInterfaceResponse,
        async (tx) => {
          await interfaceStore.delete(tx, req.id, projectId, deps.ips, (ids) => (touched = ids));
          return {};
        },
      );
      deps.changed(touched);
      return result;
    },
  });
}
