import { randomUUID } from 'node:crypto';
import { CreateProjectRequest, Project, type ProjectServiceService } from '@vpcd/api';
import { invalidArgument, type AsyncServiceImplementation } from '@vpcd/rpc';
import { mapErrors } from '../errors.js';
import { readPage } from '../store/pagination.js';
import { projectStore } from '../store/projects.js';
import { dnsLabelProblem } from '../validation/names.js';
import { requireId } from '../validation/requests.js';
import type { HandlerDeps } from './deps.js';
import { tokenHandlers } from './tokens.js';

export function projectHandlers(
  deps: HandlerDeps,
): AsyncServiceImplementation<typeof ProjectServiceService> {
  return mapErrors({
    async createProject(req) {
      const problem = dnsLabelProblem(req.name);
      if (problem) throw invalidArgument([{ field: 'name', description: problem }]);
      return deps.idempotent(
        'CreateProject',
        req.requestId,
        CreateProjectRequest.encode(req).finish(),
        Project,
        (tx) => projectStore.create(tx, randomUUID(), req.name),
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

    ...tokenHandlers(deps),
  });
}
