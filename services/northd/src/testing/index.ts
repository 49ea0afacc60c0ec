// Helpers for suites that drive northd's database directly (benches, chaos, zero-diff audits):
// they go through the modules that own the tables instead of writing the tables themselves.
import type { Queryable } from '@vpcd/db';
import { changeLog } from '../store/change-log.js';

export { recountInterfaces } from '../store/interfaces.js';
export { adminToken, eventually, harnessEnv, northdDeps, startNorthdHarness } from './harness.js';
export type { Harness, HarnessOptions } from './harness.js';
export { startAckingSouthd } from './acking-southd.js';
export type { AckingSouthd } from './acking-southd.js';

/**
 * Asks a full state for each of `chassisIds`, as a committed change does (one FULL change row
 * each); the owners send them at their next pass or change hint. Returns how many were asked.
 */
export async function requestFullStates(
  db: Queryable,
  chassisIds: readonly string[],
): Promise<number> {
  await changeLog.requestFull(db, chassisIds);
  return chassisIds.length;
}

/** Where a chassis stands, as the API derives it, for suites that wait on many at once. */
export interface ChassisProgress {
  readonly id: string;
  /** GREATEST(applied seq, newest pending seq), as Chassis.desired_generation. */
  readonly desired: number;
  /** The newest change seq acknowledged, as Chassis.applied_generation. */
  readonly applied: number;
  /** Pending change rows, all refused for good (refused_seq) or not. */
  readonly pending: number;
  readonly refusedOnly: boolean;
  readonly refusedReason: string;
  readonly stateHash: string;
  readonly owner: string | null;
  readonly epoch: number;
  /** The lease is held and not lapsed. */
  readonly leased: boolean;
}

/** The progress of every chassis whose id starts with `prefix` (all by default), by id. */
export async function chassisProgress(db: Queryable, prefix = ''): Promise<ChassisProgress[]> {
  const rows = await db.query<{
    id: string;
    applied_seq: number | null;
    pending_seq: number | null;
    pending: number;
    refused_seq: number | null;
    refused_reason: string | null;
    state_hash: string | null;
    owner: string | null;
    epoch: number | null;
    leased: number;
  }>(
    `SELECT c.id, s.applied_seq, s.refused_seq, s.refused_reason, s.state_hash, l.owner, l.epoch,
       COALESCE(l.owner IS NOT NULL AND l.expires_at > NOW(3), 0) AS leased,
       (SELECT MAX(x.seq) FROM chassis_changes x WHERE x.chassis_id = c.id) AS pending_seq,
       (SELECT COUNT(*) FROM chassis_changes x WHERE x.chassis_id = c.id) AS pending
     FROM chassis c LEFT JOIN chassis_status s ON s.chassis_id = c.id
     LEFT JOIN chassis_leases l ON l.chassis_id = c.id
     WHERE c.id LIKE ? ORDER BY c.id`,
    [`${prefix}%`],
  );
  return rows.map((r) => {
    const applied = Number(r.applied_seq ?? 0);
    const pendingSeq = Number(r.pending_seq ?? 0);
    return {
      id: r.id,
      desired: Math.max(applied, pendingSeq),
      applied,
      pending: Number(r.pending),
      refusedOnly: Number(r.pending) > 0 && pendingSeq <= Number(r.refused_seq ?? 0),
      refusedReason: r.refused_reason ?? '',
      stateHash: r.state_hash ?? '',
      owner: r.owner,
      epoch: Number(r.epoch ?? 0),
      leased: Number(r.leased) === 1,
    };
  });
}
