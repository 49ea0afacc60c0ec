import { randomUUID } from 'node:crypto';
import {
  CreateProjectRequest,
  CreateTokenRequest,
  CreateTokenResponse,
  Project,
  ProjectQuota,
  type ProjectServiceService,
  UpdateProjectQuotaRequest,
} from '@vpcd/api';
import { invalidArgument, RpcError, Status, type AsyncServiceImplementation } from '@vpcd/rpc';
import { hashToken, newToken } from '../auth/tokens.js';
import { mapErrors } from '../errors.js';
import { readPage } from '../store/pagination.js';
import { projectStore } from '../store/projects.js';
import { TokenStore } from '../store/tokens.js';
import { dnsLabelProblem } from '../validation/names.js';
import { requireId } from '../validation/requests.js';
import type { HandlerDeps } from './deps.js';

// A token is shown once: its idempotency record keeps the id only, never the secret.
const redactedTokenCodec = {
  encode: (m: CreateTokenResponse) => CreateTokenResponse.encode({ tokenId: m.tokenId, token: '' }),
  decode: (bytes: Uint8Array) => CreateTokenResponse.decode(bytes),
};

export function projectHandlers(
  deps: HandlerDeps,
): AsyncServiceImplementation<typeof ProjectServiceService> {
  const tokens = new TokenStore(deps.db);
  return mapErrors({
    async createProject(req) {
      const problem = dnsLabelProblem(req.name);
      if (problem) throw invalidArgument([{ field: 'name', description: problem }]);
      return deps.idempotent(
        'CreateProject',
        req.requestId,
        CreateProjectRequest.encode(req).finish(),
        Project,
        async (tx) => {
          const project = await projectStore.create(tx, randomUUID(), req.name);
          await deps.quotas.createFor(tx, project.id);
          return project;
        },
      );
    },

    async getProjectQuota(req) {
      requireId('project_id', req.projectId);
      return deps.quotas.get(deps.db, req.projectId);
    },

    async updateProjectQuota(req) {
      requireId('project_id', req.projectId);
      return deps.idempotent(
        'UpdateProjectQuota',
        req.requestId,
        UpdateProjectQuotaRequest.encode(req).finish(),
        ProjectQuota,
        (tx) =>
          deps.quotas.update(tx, req.projectId, {
            maxVpcs: req.maxVpcs,
            maxInterfacesPerVpc: req.maxInterfacesPerVpc,
            maxInterfaces: req.maxInterfaces,
          }),
      );
    },

    async getProject(req) {
      requireId('id', req.id);
      return projectStore.get(deps.db, req.id);
    },

    async listProjects(req) {
      const { projects, next } = await projectStore.list(
        deps.db,
        readPage(req.pageSize, req.pageToken),
      );
      return { projects, nextPageToken: next };
    },

    async createToken(req) {
      requireId('project_id', req.projectId);
      const issued = await deps.idempotent(
        'CreateToken',
        req.requestId,
        CreateTokenRequest.encode(req).finish(),
        redactedTokenCodec,
        async (tx) => {
          await projectStore.get(tx, req.projectId);
          const token = newToken();
          const tokenId = randomUUID();
          await tokens.insert(tx, tokenId, req.projectId, hashToken(token));
          return { tokenId, token };
        },
      );
      if (issued.token === '') {
        throw new RpcError(
          Status.ALREADY_EXISTS,
          `token ${issued.tokenId} was already issued for this request_id and is shown only once`,
        );
      }
      return issued;
    },
  });
}
