import type { ProjectQuota } from '@vpcd/api';
import type { Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';
import type { QuotaLimits } from '../config.js';

interface QuotaRow {
  max_vpcs: number | null;
  max_interfaces_per_vpc: number | null;
  max_interfaces: number | null;
}

/** The refusal of a create past a quota, which it names as the API does. */
function exceeded(projectId: string, quota: string, limit: number, what: string): RpcError {
  return new RpcError(
    Status.RESOURCE_EXHAUSTED,
    `quota ${quota} of project ${projectId} exceeded: at most ${limit} ${what}`,
  );
}

/**
 * Per-project quotas. Every create a quota counts locks the project's quota row first (FOR
 * UPDATE) and counts under it, in the transaction of its write: creates in one project are
 * serialised on that row, so concurrent creates on any number of northd cannot pass a limit
 * together. Deletes take no quota lock: they can only lower a count.
 */
export class QuotaStore {
  constructor(private readonly defaults: QuotaLimits) {}

  /** Locks the project's quota row and returns its limits; NOT_FOUND for an unknown project. */
  async lock(tx: Queryable, projectId: string): Promise<QuotaLimits> {
    const read = () =>
      tx.query<QuotaRow>(
        `SELECT max_vpcs, max_interfaces_per_vpc, max_interfaces FROM project_quotas
         WHERE project_id = ? FOR UPDATE`,
        [projectId],
      );
    let [row] = await read();
    if (!row) {
      // A project made before its row could exist gets one now (the migration adds them too).
      const found = await tx.query('SELECT id FROM projects WHERE id = ?', [projectId]);
      if (found.length === 0)
        throw new RpcError(Status.NOT_FOUND, `project ${projectId} not found`);
      await tx.execute('INSERT IGNORE INTO project_quotas (project_id) VALUES (?)', [projectId]);
      [row] = await read();
    }
    return this.limitsOf(row!);
  }

  /** Makes a new project's row: its defaults are in force until an admin sets a limit. */
  async createFor(tx: Queryable, projectId: string): Promise<void> {
    await tx.execute('INSERT INTO project_quotas (project_id) VALUES (?)', [projectId]);
  }

  /** Refuses a new VPC past max_vpcs; call with the quota row locked. */
  async checkNewVpc(tx: Queryable, projectId: string, limits: QuotaLimits): Promise<void> {
    const [row] = await tx.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM vpcs WHERE project_id = ?',
      [projectId],
    );
    if (Number(row?.n ?? 0) >= limits.maxVpcs)
      throw exceeded(projectId, 'max_vpcs', limits.maxVpcs, 'VPCs');
  }

  /**
   * Refuses a new interface in `vpcId` past max_interfaces_per_vpc or max_interfaces; call with
   * the quota row and the VPC row locked. Returns the interfaces of the VPC now.
   * The counts are vpcs.interface_count, which creates and deletes keep under the VPC's row
   * lock; a delete takes no quota lock, so a count read here can only be high by a delete not
   * yet committed, never low.
   */
  async checkNewInterface(
    tx: Queryable,
    projectId: string,
    vpcId: string,
    limits: QuotaLimits,
  ): Promise<number> {
    // The counters the interface writes keep under each VPC's row lock: a read of one row per
    // VPC of the project, not of every interface.
    const [row] = await tx.query<{ project_n: number | null; vpc_n: number | null }>(
      `SELECT SUM(interface_count) AS project_n, SUM(IF(id = ?, interface_count, 0)) AS vpc_n
       FROM vpcs WHERE project_id = ?`,
      [vpcId, projectId],
    );
    const inVpc = Number(row?.vpc_n ?? 0);
    if (inVpc >= limits.maxInterfacesPerVpc) {
      throw exceeded(
        projectId,
        'max_interfaces_per_vpc',
        limits.maxInterfacesPerVpc,
        `interfaces in vpc ${vpcId}`,
      );
    }
    if (Number(row?.project_n ?? 0) >= limits.maxInterfaces)
      throw exceeded(projectId, 'max_interfaces', limits.maxInterfaces, 'interfaces');
    return inVpc;
  }

  async get(db: Queryable, projectId: string): Promise<ProjectQuota> {
    const [row] = await db.query<QuotaRow & { vpcs: number; interfaces: number }>(
      `SELECT q.max_vpcs, q.max_interfaces_per_vpc, q.max_interfaces,
         (SELECT COUNT(*) FROM vpcs v WHERE v.project_id = p.id) AS vpcs,
         (SELECT COALESCE(SUM(v.interface_count), 0) FROM vpcs v
          WHERE v.project_id = p.id) AS interfaces
       FROM projects p LEFT JOIN project_quotas q ON q.project_id = p.id WHERE p.id = ?`,
      [projectId],
    );
    if (!row) throw new RpcError(Status.NOT_FOUND, `project ${projectId} not found`);
    return {
      projectId,
      ...this.limitsOf(row),
      vpcs: Number(row.vpcs),
      interfaces: Number(row.interfaces),
    };
  }

  /** Sets the limits given (undefined: unchanged) and returns the quota. */
  async update(
    tx: Queryable,
    projectId: string,
    limits: Partial<QuotaLimits>,
  ): Promise<ProjectQuota> {
    await this.lock(tx, projectId);
    await tx.execute(
      `UPDATE project_quotas SET max_vpcs = COALESCE(?, max_vpcs),
         max_interfaces_per_vpc = COALESCE(?, max_interfaces_per_vpc),
         max_interfaces = COALESCE(?, max_interfaces), update_time = NOW(3)
       WHERE project_id = ?`,
      [
        limits.maxVpcs ?? null,
        limits.maxInterfacesPerVpc ?? null,
        limits.maxInterfaces ?? null,
        projectId,
      ],
    );
    return this.get(tx, projectId);
  }

  private limitsOf(row: QuotaRow): QuotaLimits {
    const or = (value: number | null, fallback: number) =>
      value === null ? fallback : Number(value);
    return {
      maxVpcs: or(row.max_vpcs, this.defaults.maxVpcs),
      maxInterfacesPerVpc: or(row.max_interfaces_per_vpc, this.defaults.maxInterfacesPerVpc),
      maxInterfaces: or(row.max_interfaces, this.defaults.maxInterfaces),
    };
  }
}
