import type { Queryable } from '@vpcd/db';
import { activeTraceparent } from '../trace-parent.js';

/**
 * The chassis whose flows change when an interface of `vpcId` on `chassisId` appears or goes:
 * that chassis and every chassis with an interface in the VPC. Read under the VPC's row lock,
 * which every create and delete of an interface in the VPC holds, so the set cannot change
 * before the transaction commits.
 */
export async function chassisOfVpc(
  tx: Queryable,
  vpcId: string,
  chassisId: string,
): Promise<string[]> {
  const rows = await tx.query<{ chassis_id: string }>(
    'SELECT DISTINCT chassis_id FROM interfaces WHERE vpc_id = ?',
    [vpcId],
  );
  return [...new Set([chassisId, ...rows.map((r) => r.chassis_id)])];
}

/** Every chassis that shares a VPC with `chassisId`, and itself. */
export async function peersOf(tx: Queryable, chassisId: string): Promise<string[]> {
  const rows = await tx.query<{ chassis_id: string }>(
    `SELECT DISTINCT p.chassis_id FROM interfaces p JOIN interfaces o ON o.vpc_id = p.vpc_id
     WHERE o.chassis_id = ?`,
    [chassisId],
  );
  return [...new Set([chassisId, ...rows.map((r) => r.chassis_id)])];
}

/**
 * Schedules convergence of `chassisIds` (with the active trace, which the converge work
 * continues) and returns the new desired generation of `of`, one of them.
 *
 * The rows stay locked until the transaction ends, and every write in any VPC these chassis
 * serve needs them: call this as late as possible, with as few round trips after it as can be.
 * A primary-key lookup locks only these rows, in key order, as the heartbeats' and the lease
 * renewals' updates do, so writers of many chassis rows wait for each other instead of
 * deadlocking. (A subquery in the WHERE made this a scan of every chassis row.) The generation
 * of `of` comes back as the statement's insert id, through LAST_INSERT_ID(expr), which MySQL
 * and MariaDB both document for this: one round trip fewer while the rows are locked.
 */
export async function bumpChassis(
  tx: Queryable,
  chassisIds: readonly string[],
  of: string,
): Promise<number> {
  const { insertId } = await tx.execute(
    `UPDATE chassis SET
       desired_generation = IF(id = ?, LAST_INSERT_ID(desired_generation + 1), desired_generation + 1),
       desired_changed_at = NOW(3), desired_traceparent = ?
     WHERE id IN (?)`,
    [of, activeTraceparent(), chassisIds],
  );
  if (insertId > 0) return insertId;
  // Not reported (`of` matched no row): read it, rather than answer a generation of 0, which
  // every chassis has applied.
  const [row] = await tx.query<{ g: number }>(
    'SELECT desired_generation AS g FROM chassis WHERE id = ?',
    [of],
  );
  return Number(row?.g ?? 0);
}
