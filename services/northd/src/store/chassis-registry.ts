import type { Chassis, RegisterChassisRequest } from '@vpcd/api';
import type { Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';
import { changeLog } from './change-log.js';
import { chassisStatus } from './chassis-status.js';
import { pageOf, type Page } from './pagination.js';

interface ChassisRow {
  id: string;
  hostname: string;
  underlay_ip: string;
  hvflowd_addr: string;
  owner: string | null;
  epoch: number | null;
  applied_seq: number | null;
  pending_seq: number | null;
  state_hash: string | null;
  last_heartbeat_time: Date | null;
}

// A chassis as the API shows it joins its registration with its lease, its applied status and
// the newest of its pending changes (an indexed probe of the change log).
const select = `SELECT c.id, c.hostname, c.underlay_ip, c.hvflowd_addr, l.owner, l.epoch,
  s.applied_seq, s.state_hash, s.last_heartbeat_time,
  (SELECT MAX(x.seq) FROM chassis_changes x WHERE x.chassis_id = c.id) AS pending_seq
  FROM chassis c LEFT JOIN chassis_leases l ON l.chassis_id = c.id
  LEFT JOIN chassis_status s ON s.chassis_id = c.id`;

function toChassis(row: ChassisRow): Chassis {
  const applied = Number(row.applied_seq ?? 0);
  return {
    id: row.id,
    hostname: row.hostname,
    underlayIp: row.underlay_ip,
    hvflowdAddr: row.hvflowd_addr,
    owner: row.owner ?? '',
    epoch: Number(row.epoch ?? 0),
    // Generations count change seqs: the newest acknowledged, and the newest wanted.
    desiredGeneration: Math.max(applied, Number(row.pending_seq ?? 0)),
    appliedGeneration: applied,
    stateHash: row.state_hash ?? '',
    lastHeartbeatTime: row.last_heartbeat_time ?? undefined,
  };
}

/**
 * Registration of chassis: every write of the `chassis` table is here. Its rows hold what a
 * chassis says of itself (host name, underlay and agent addresses) and change only when it
 * registers; leases, applied status and pending changes live in their own tables.
 */
export const chassisRegistry = {
  /**
   * Creates or updates a chassis. A chassis registers when its agent (re)starts, and programs
   * its bridge afresh from an initial sync, so its recorded bridge hash is forgotten. A new
   * underlay address changes the remote ports every peer holds: each peer (and the chassis)
   * gets a full state.
   */
  async register(tx: Queryable, req: RegisterChassisRequest): Promise<Chassis> {
    const [before] = await tx.query<{ underlay_ip: string }>(
      'SELECT underlay_ip FROM chassis WHERE id = ? FOR UPDATE',
      [req.chassisId],
    );
    if (!before) {
      await tx.execute(
        'INSERT INTO chassis (id, hostname, underlay_ip, hvflowd_addr) VALUES (?, ?, ?, ?)',
        [req.chassisId, req.hostname, req.underlayIp, req.hvflowdAddr],
      );
    } else {
      await tx.execute(
        'UPDATE chassis SET hostname = ?, underlay_ip = ?, hvflowd_addr = ? WHERE id = ?',
        [req.hostname, req.underlayIp, req.hvflowdAddr, req.chassisId],
      );
    }
    // A chassis that (re)registers has an agent that (re)started: it holds the state of its
    // initial sync, in no chain, so its owner starts one with a full state (whose ack is also
    // what first shows the chassis converged). A new underlay address changes its peers' states.
    const full =
      before && before.underlay_ip !== req.underlayIp
        ? await peersOf(tx, req.chassisId)
        : [req.chassisId];
    await changeLog.requestFull(tx, full);
    await chassisStatus.registered(tx, req.chassisId);
    return chassisRegistry.get(tx, req.chassisId);
  },

  async get(db: Queryable, id: string): Promise<Chassis> {
    const [row] = await db.query<ChassisRow>(`${select} WHERE c.id = ?`, [id]);
    if (!row) throw new RpcError(Status.NOT_FOUND, `chassis ${id} not found`);
    return toChassis(row);
  },

  async list(db: Queryable, page: Page): Promise<{ chassis: Chassis[]; next: string }> {
    const rows = await db.query<ChassisRow>(`${select} WHERE c.id > ? ORDER BY c.id LIMIT ?`, [
      page.after,
      page.limit + 1,
    ]);
    const { rows: kept, next } = pageOf(rows, page);
    return { chassis: kept.map(toChassis), next };
  },
};

/** Every chassis that shares a VPC with `chassisId`, and itself (from vpc_chassis). */
async function peersOf(tx: Queryable, chassisId: string): Promise<string[]> {
  const rows = await tx.query<{ chassis_id: string }>(
    `SELECT DISTINCT p.chassis_id FROM vpc_chassis o JOIN vpc_chassis p ON p.vpc_id = o.vpc_id
     WHERE o.chassis_id = ?`,
    [chassisId],
  );
  return [...new Set([chassisId, ...rows.map((r) => r.chassis_id)])].sort();
}
