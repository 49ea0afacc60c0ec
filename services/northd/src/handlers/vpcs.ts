import { randomUUID } from 'node:crypto';
import {
  CreateVpcRequest,
  DeleteVpcRequest,
  DeleteVpcResponse,
  Vpc,
  type VpcServiceService,
} from '@vpcd/api';
import { invalidArgument, type AsyncServiceImplementation } from '@vpcd/rpc';
import { projectScope } from '../auth/principal.js';
import { mapErrors } from '../errors.js';
import { readPage } from '../store/pagination.js';
import { vpcStore, toVpc } from '../store/vpcs.js';
import { requireId, validateCreateVpc } from '../validation/requests.js';
import type { HandlerDeps } from './deps.js';

export function vpcHandlers(
  deps: HandlerDeps,
): AsyncServiceImplementation<typeof VpcServiceService> {
  return mapErrors({
    async createVpc(req) {
      const projectId = projectScope(req.projectId);
      if (projectId === undefined) {
        throw invalidArgument([
          { field: 'project_id', description: 'required with admin credentials' },
        ]);
      }
      const valid = validateCreateVpc(req, deps.privateRanges);
      return deps.idempotent(
        'CreateVpc',
        req.requestId,
        CreateVpcRequest.encode(req).finish(),
        Vpc,
        (tx) => vpcStore.create(tx, { id: randomUUID(), projectId, ...valid }, deps),
      );
    },

    async getVpc(req) {
      requireId('id', req.id);
      return toVpc(await vpcStore.get(deps.db, req.id, projectScope()));
    },

    async listVpcs(req) {
      const { vpcs, next } = await vpcStore.list(
        deps.db,
        projectScope(),
        readPage(req.pageSize, req.pageToken),
      );
      return { vpcs, nextPageToken: next };
    },

    async deleteVpc(req) {
      requireId('id', req.id);
      const projectId = projectScope();
      return deps.idempotent(
        'DeleteVpc',
        req.requestId,
        DeleteVpcRequest.encode(req).finish(),
        DeleteVpcResponse,
        async (tx) => {
          await vpcStore.delete(tx, req.id, projectId, deps.vnis);
          return {};
        },
      );
    },
  });
}
