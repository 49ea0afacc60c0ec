import { ProjectQuota, UpdateProjectQuotaRequest, type GetProjectQuotaRequest } from '@vpcd/api';
import { requireId } from '../validation/requests.js';
import type { HandlerDeps } from './deps.js';

/** ProjectService's quota methods (admin only, see auth/policy.ts). */
export function quotaHandlers(deps: HandlerDeps) {
  return {
    async getProjectQuota(req: GetProjectQuotaRequest) {
      requireId('project_id', req.projectId);
      return deps.quotas.get(deps.db, req.projectId);
    },

    async updateProjectQuota(req: UpdateProjectQuotaRequest) {
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
  };
}
