import type { Chassis, RegisterChassisRequest } from '@vpcd/api';
import type { Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';
import { bumpChassis, peersOf } from './generations.js';
import { pageOf, type Page } from './pagination.js';

interface ChassisRow {
  id: string;
  hostname: string;
  underlay_ip: string;
  hvflowd_addr: string;
  owner: string | null;
  epoch: number;
  desired_generation: number;
  applied_generation: number;
  state_hash: string;
  last_heartbeat_time: Date | null;
}

const columns = `id, hostname, underlay_ip, hvflowd_addr, owner, epoch, desired_generation,
  applied_generation, state_hash, last_heartbeat_time`;

function toChassis(row: ChassisRow): Chassis {
  return {
    id: row.id,
    hostname: row.hostname,
    underlayIp: row.underlay_ip,
    hvflowdAddr: row.hvflowd_addr,
    owner: row.owner ?? '',
    epoch: Number(row.epoch),
    desiredGeneration: Number(row.desired_generation),
    appliedGeneration: Number(row.applied_generation),
    stateHash: row.state_hash,
    lastHeartbeatTime: row.last_heartbeat_time ?? undefined,
  };
}

export const chassisStore = {
  /**
   * Creates or updates a chassis; a new underlay address re-converges the chassis and its peers.
   * A chassis registers when its agent (re)starts, and then programs its bridge afresh from an
   * initial sync: the hash recorded of the bridge it had before says nothing of the new one (a
   * bridge rebuilt from scratch numbers its ports anew), so it is forgotten, and the chassis'
   * next heartbeat at the applied generation records the new one (see `heartbeat`).
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
        `UPDATE chassis SET hostname = ?, underlay_ip = ?, hvflowd_addr = ?, state_hash = ''
         WHERE id = ?`,
        [req.hostname, req.underlayIp, req.hvflowdAddr, req.chassisId],
      );
      if (before.underlay_ip !== req.underlayIp) {
        await bumpChassis(tx, await peersOf(tx, req.chassisId), req.chassisId);
      }
    }
    return chassisStore.get(tx, req.chassisId);
  },

  async get(db: Queryable, id: string): Promise<Chassis> {
    const [row] = await db.query<ChassisRow>(`SELECT ${columns} FROM chassis WHERE id = ?`, [id]);
    if (!row) throw new RpcError(Status.NOT_FOUND, `chassis ${id} not found`);
    return toChassis(row);
  },

  async list(db: Queryable, page: Page): Promise<{ chassis: Chassis[]; next: string }> {
    const rows = await db.query<ChassisRow>(
      `SELECT ${columns} FROM chassis WHERE id > ? ORDER BY id LIMIT ?`,
      [page.after, page.limit + 1],
    );
    const { rows: kept, next } = pageOf(rows, page);
    return { chassis: kept.map(toChassis), next };
  },
};
