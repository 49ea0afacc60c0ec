import type { Project } from '@vpcd/api';
import { isDbError, type Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';
import { pageOf, type Page } from './pagination.js';

interface ProjectRow {
  id: string;
  name: string;
  create_time: Date;
}

const toProject = (row: ProjectRow): Project => ({
  id: row.id,
  name: row.name,
  createTime: row.create_time,
});

export const projectStore = {
  async create(tx: Queryable, id: string, name: string): Promise<Project> {
    try {
      await tx.execute('INSERT INTO projects (id, name) VALUES (?, ?)', [id, name]);
    } catch (err) {
      if (isDbError(err) && err.kind === 'duplicate') {
        throw new RpcError(Status.ALREADY_EXISTS, `a project named "${name}" exists`);
      }
      throw err;
    }
    return projectStore.get(tx, id);
  },

  async get(db: Queryable, id: string): Promise<Project> {
    const [row] = await db.query<ProjectRow>(
      'SELECT id, name, create_time FROM projects WHERE id = ?',
      [id],
    );
    if (!row) throw new RpcError(Status.NOT_FOUND, `project ${id} not found`);
    return toProject(row);
  },

  async list(db: Queryable, page: Page): Promise<{ projects: Project[]; next: string }> {
    const rows = await db.query<ProjectRow>(
      'SELECT id, name, create_time FROM projects WHERE id > ? ORDER BY id LIMIT ?',
      [page.after, page.limit + 1],
    );
    const { rows: kept, next } = pageOf(rows, page);
    return { projects: kept.map(toProject), next };
  },
};
