import type { Vpc } from '@vpcd/api';
import { isDbError, type Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';
import type { Cidr } from '../validation/ipv4.js';
import { pageOf, type Page } from './pagination.js';
import type { IpPool } from './ip-pool.js';
import type { VniPool } from './vni-pool.js';
import type { QuotaStore } from './quotas.js';

export interface VpcRow {
  id: string;
  project_id: string;
  name: string;
  cidr: string;
  net_first: number;
  net_last: number;
  vni: number;
  generation: number;
  create_time: Date;
}

export function toVpc(row: VpcRow): Vpc {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    cidr: row.cidr,
    vni: row.vni,
    generation: Number(row.generation),
    createTime: row.create_time,
  };
}

const columns = 'id, project_id, name, cidr, net_first, net_last, vni, generation, create_time';

/** Scope filter: undefined sees every project (admin). */
function scoped(projectId: string | undefined): [string, unknown[]] {
  return projectId === undefined ? ['', []] : [' AND project_id = ?', [projectId]];
}

export const vpcStore = {
  /**
   * Creates a VPC with a VNI from the pool and its whole host range free for IPAM. The
   * project's quota row is locked first, so concurrent creates in one project are serialised
   * and neither the quota nor the overlap check can race.
   */
  async create(
    tx: Queryable,
    input: { id: string; projectId: string; name: string; cidr: Cidr },
    pools: { vnis: VniPool; ips: IpPool; quotas: QuotaStore },
  ): Promise<Vpc> {
    const { vnis, quotas } = pools;
    const limits = await quotas.lock(tx, input.projectId);
    await quotas.checkNewVpc(tx, input.projectId, limits);
    const overlapping = await tx.query<{ name: string; cidr: string }>(
      'SELECT name, cidr FROM vpcs WHERE project_id = ? AND net_first <= ? AND net_last >= ? LIMIT 1',
      [input.projectId, input.cidr.last, input.cidr.first],
    );
    if (overlapping[0]) {
      throw new RpcError(
        Status.FAILED_PRECONDITION,
        `cidr ${input.cidr.text} overlaps VPC "${overlapping[0].name}" (${overlapping[0].cidr}) of the project`,
      );
    }
    const vni = await vnis.allocate(tx);
    try {
      await tx.execute(
        'INSERT INTO vpcs (id, project_id, name, cidr, net_first, net_last, vni) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [
          input.id,
          input.projectId,
          input.name,
          input.cidr.text,
          input.cidr.first,
          input.cidr.last,
          vni,
        ],
      );
    } catch (err) {
      if (isDbError(err) && err.kind === 'duplicate') {
        throw new RpcError(
          Status.ALREADY_EXISTS,
          `a VPC named "${input.name}" exists in the project`,
        );
      }
      throw err;
    }
    await pools.ips.createFor(tx, input.id, input.cidr);
    const [row] = await tx.query<VpcRow>(`SELECT ${columns} FROM vpcs WHERE id = ?`, [input.id]);
    return toVpc(row!);
  },

  async get(
    db: Queryable,
    id: string,
    projectId: string | undefined,
    lock = false,
  ): Promise<VpcRow> {
    const [where, params] = scoped(projectId);
    const [row] = await db.query<VpcRow>(
      `SELECT ${columns} FROM vpcs WHERE id = ?${where}${lock ? ' FOR UPDATE' : ''}`,
      [id, ...params],
    );
    if (!row) throw new RpcError(Status.NOT_FOUND, `vpc ${id} not found`);
    return row;
  },

  /**
   * Locks the VPC's row for a change of its interfaces, which it serialises (IPAM, names), and
   * reads with it the database's clock (a create time that no instance's clock decides) and
   * whether chassis `chassisId` exists: one round trip. A locking read locks only the rows of
   * its own query block, so the chassis row is not locked.
   */
  async lockForInterfaces(
    tx: Queryable,
    id: string,
    projectId: string | undefined,
    chassisId: string,
  ): Promise<VpcRow & { now: Date; chassisFound: boolean; interface_count: number }> {
    const [where, params] = scoped(projectId);
    const [row] = await tx.query<
      VpcRow & { now: Date; chassis_found: number; interface_count: number }
    >(
      `SELECT ${columns}, interface_count, NOW(3) AS now, EXISTS (SELECT 1 FROM chassis WHERE id = ?) AS chassis_found
       FROM vpcs WHERE id = ?${where} FOR UPDATE`,
      [chassisId, id, ...params],
    );
    if (!row) throw new RpcError(Status.NOT_FOUND, `vpc ${id} not found`);
    return { ...row, chassisFound: Number(row.chassis_found) === 1 };
  },

  async list(
    db: Queryable,
    projectId: string | undefined,
    page: Page,
  ): Promise<{ vpcs: Vpc[]; next: string }> {
    const [where, params] = scoped(projectId);
    const rows = await db.query<VpcRow>(
      `SELECT ${columns} FROM vpcs WHERE id > ?${where} ORDER BY id LIMIT ?`,
      [page.after, ...params, page.limit + 1],
    );
    const { rows: kept, next } = pageOf(rows, page);
    return { vpcs: kept.map(toVpc), next };
  },

  /**
   * Deletes an empty VPC (its free address ranges go with it) and frees its VNI; one with interfaces is FAILED_PRECONDITION with
   * their count.
   */
  async delete(
    tx: Queryable,
    id: string,
    projectId: string | undefined,
    vnis: VniPool,
  ): Promise<void> {
    const vpc = await vpcStore.get(tx, id, projectId, true);
    const [count] = await tx.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM interfaces WHERE vpc_id = ?',
      [id],
    );
    const n = Number(count?.n ?? 0);
    if (n > 0) {
      throw new RpcError(
        Status.FAILED_PRECONDITION,
        `vpc ${id} still has ${n} interface(s); delete them first`,
      );
    }
    await tx.execute('DELETE FROM vpcs WHERE id = ?', [id]);
    await vnis.release(tx, vpc.vni);
  },
};
