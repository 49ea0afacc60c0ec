import type { Queryable } from '@vpcd/db';
import { activeTraceparent } from '../trace-parent.js';

/**
 * Schedules convergence (with the active trace, which the converge work continues) of every
 * chassis whose flows change when an interface of `vpcId` on
 * `chassisId` appears or goes: that chassis and every chassis with an interface in the VPC.
 */
export async function bumpChassisOfVpc(
  tx: Queryable,
  vpcId: string,
  chassisId: string,
): Promise<void> {
  await tx.execute(
    `UPDATE chassis SET desired_generation = desired_generation + 1, desired_changed_at = NOW(3),
       desired_traceparent = ?
     WHERE id = ? OR id IN (SELECT chassis_id FROM interfaces WHERE vpc_id = ?)`,
    [activeTraceparent(), chassisId, vpcId],
  );
}

/** Schedules convergence of every chassis that shares a VPC with `chassisId`, and of itself. */
export async function bumpPeersOf(tx: Queryable, chassisId: string): Promise<void> {
  await tx.execute(
    `UPDATE chassis SET desired_generation = desired_generation + 1, desired_changed_at = NOW(3),
       desired_traceparent = ?
     WHERE id = ? OR id IN (
       SELECT p.chassis_id FROM interfaces p JOIN interfaces o ON o.vpc_id = p.vpc_id WHERE o.chassis_id = ?
     )`,
    [activeTraceparent(), chassisId, chassisId],
  );
}
