import type { Queryable } from '@vpcd/db';
import { activeTraceparent } from '../trace-parent.js';

/**
 * One pending change of a chassis' state: a row of the change log. vpcId and interfaceId null:
 * the chassis wants a full state. vpcId alone: the chassis joined that VPC (see `record`).
 * portChassisId: the chassis of the interface (its own for a port, another for a remote port),
 * so a delta for an interface that is gone knows which to remove.
 */
export interface PendingChange {
  seq: number;
  vpcId: string | null;
  interfaceId: string | null;
  traceparent: string | null;
}

/** A pending change with what a delta needs of it beyond the reconciler's view. */
export interface LoggedChange extends PendingChange {
  chassisId: string;
  portChassisId: string | null;
  createTime: Date;
}

interface ChangeRow {
  seq: number | string;
  chassis_id: string;
  vpc_id: string | null;
  interface_id: string | null;
  port_chassis_id: string | null;
  traceparent: string | null;
  create_time: Date;
}

const columns = 'seq, chassis_id, vpc_id, interface_id, port_chassis_id, traceparent, create_time';

function toChange(row: ChangeRow): LoggedChange {
  return {
    seq: Number(row.seq),
    chassisId: row.chassis_id,
    vpcId: row.vpc_id,
    interfaceId: row.interface_id,
    portChassisId: row.port_chassis_id,
    traceparent: row.traceparent,
    createTime: row.create_time,
  };
}

/** True for a row that asks for a full state rather than naming a change. */
export function wantsFull(change: Pick<PendingChange, 'vpcId' | 'interfaceId'>): boolean {
  return change.vpcId === null && change.interfaceId === null;
}

/**
 * The change log (outbox) of convergence: every statement on `chassis_changes` is here. A write
 * adds its rows in its own transaction; a row stays until the acknowledgement of a message that
 * listed its seq retires it (`retire`), never by "seq <= n": AUTO_INCREMENT takes no lock other
 * transactions wait for, so seqs are not in commit order, and a row that commits late is simply
 * sent later.
 */
export const changeLog = {
  /**
   * Records that interface `interfaceId` of `vpcId`, on chassis `portChassisId`, changed the
   * states of `chassisIds`, in one statement, with the active trace. `portChassisId` must come
   * first in `chassisIds` when it is among them: its row's seq is returned (LAST_INSERT_ID is
   * the first row's), which is the interface's generation.
   *
   * `joins`: `portChassisId` spans the VPC from this write on and did not before. It also gets a
   * row naming the VPC alone. The chassis had no rows for what changed in the VPC while it was
   * out of it, so a delta that finds it in the VPC cannot name those changes one by one: the
   * delta loader sends a VPC the chassis does not hold whole, and a full state when the chassis
   * may still hold it as it was before it left (it left and joined again within one delta).
   * That row goes in first, in a statement of its own, so the interface's row is its chassis'
   * newest: the interface's generation stays its chassis' desired generation.
   */
  async record(
    tx: Queryable,
    change: { vpcId: string; interfaceId: string; portChassisId: string },
    chassisIds: readonly string[],
    options: { joins?: boolean } = {},
  ): Promise<number> {
    if (chassisIds.length === 0) return 0;
    const traceparent = activeTraceparent();
    if (options.joins) {
      await tx.execute(
        `INSERT INTO chassis_changes (chassis_id, vpc_id, port_chassis_id, traceparent)
         VALUES (?, ?, ?, ?)`,
        [change.portChassisId, change.vpcId, change.portChassisId, traceparent],
      );
    }
    const rows = chassisIds.map((id) => [
      id,
      change.vpcId,
      change.interfaceId,
      change.portChassisId,
      traceparent,
    ]);
    const { insertId } = await tx.execute(
      `INSERT INTO chassis_changes (chassis_id, vpc_id, interface_id, port_chassis_id, traceparent)
       VALUES ?`,
      [rows],
    );
    return Number(insertId);
  },

  /** Asks for a full state of each of `chassisIds` (one row each, one statement). */
  async requestFull(db: Queryable, chassisIds: readonly string[]): Promise<void> {
    if (chassisIds.length === 0) return;
    const traceparent = activeTraceparent();
    await db.execute('INSERT INTO chassis_changes (chassis_id, traceparent) VALUES ?', [
      chassisIds.map((id) => [id, traceparent]),
    ]);
  },

  /**
   * Asks for a full state of `chassisId` unless a request is pending; returns the new row's seq,
   * or 0 when one was pending. The check reads without locking (READ COMMITTED): two at once may
   * both add one, which costs one full state more, nothing else.
   */
  async requestFullOnce(db: Queryable, chassisId: string): Promise<number> {
    const { insertId, affectedRows } = await db.execute(
      `INSERT INTO chassis_changes (chassis_id, traceparent)
       SELECT ?, ? FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM chassis_changes
         WHERE chassis_id = ? AND vpc_id IS NULL AND interface_id IS NULL)`,
      [chassisId, activeTraceparent(), chassisId],
    );
    return affectedRows > 0 ? Number(insertId) : 0;
  },

  /** The pending rows of `chassisIds`, by chassis in seq order; one indexed query. */
  async pending(db: Queryable, chassisIds: readonly string[]): Promise<LoggedChange[]> {
    if (chassisIds.length === 0) return [];
    const rows = await db.query<ChangeRow>(
      `SELECT ${columns} FROM chassis_changes WHERE chassis_id IN (?) ORDER BY chassis_id, seq`,
      [chassisIds],
    );
    return rows.map(toChange);
  },

  /** The highest pending seq of each of `chassisIds` that has rows. */
  async newest(db: Queryable, chassisIds: readonly string[]): Promise<Map<string, number>> {
    if (chassisIds.length === 0) return new Map();
    const rows = await db.query<{ chassis_id: string; seq: number | string }>(
      `SELECT chassis_id, MAX(seq) AS seq FROM chassis_changes WHERE chassis_id IN (?)
       GROUP BY chassis_id`,
      [chassisIds],
    );
    return new Map(rows.map((r) => [r.chassis_id, Number(r.seq)]));
  },

  /**
   * Retires the rows of `chassisId` numbered `seqs` (those an acknowledged message covered);
   * returns how many went and the creation time of the oldest, for the lag metric.
   */
  async retire(
    tx: Queryable,
    chassisId: string,
    seqs: readonly number[],
  ): Promise<{ retired: number; oldest: Date | undefined }> {
    return (await changeLog.retireMany(tx, [{ chassisId, seqs }]))[0]!;
  },

  /**
   * `retire` for the acks of several chassis in one statement, answered in their order. A seq
   * is retired only for the chassis whose row it is (an ack cannot retire another chassis'
   * work); one listed by two acks counts for the first.
   */
  async retireMany(
    tx: Queryable,
    acks: readonly { chassisId: string; seqs: readonly number[] }[],
  ): Promise<{ retired: number; oldest: Date | undefined }[]> {
    const out = acks.map(() => ({ retired: 0, oldest: undefined as Date | undefined }));
    const pairs = acks.flatMap((a) => a.seqs.map((seq) => [a.chassisId, seq] as const));
    if (pairs.length === 0) return out;
    // `seq IN` finds the rows by primary key; the pairs keep each to its own chassis.
    const gone = await tx.query<{ seq: number | string; chassis_id: string; create_time: Date }>(
      `DELETE FROM chassis_changes WHERE seq IN (?) AND (chassis_id, seq) IN (?)
       RETURNING seq, chassis_id, create_time`,
      [[...new Set(pairs.map(([, seq]) => seq))], pairs],
    );
    const taken = new Map(gone.map((row) => [`${row.chassis_id} ${Number(row.seq)}`, row]));
    acks.forEach((ack, i) => {
      for (const seq of ack.seqs) {
        const key = `${ack.chassisId} ${seq}`;
        const row = taken.get(key);
        if (row === undefined) continue;
        taken.delete(key);
        const record = out[i]!;
        record.retired++;
        if (record.oldest === undefined || row.create_time < record.oldest) {
          record.oldest = row.create_time;
        }
      }
    });
    return out;
  },

  /** Whether interface `interfaceId` has a change pending on chassis `chassisId`. */
  async isPending(db: Queryable, chassisId: string, interfaceId: string): Promise<boolean> {
    const rows = await db.query(
      'SELECT 1 FROM chassis_changes WHERE interface_id = ? AND chassis_id = ? LIMIT 1',
      [interfaceId, chassisId],
    );
    return rows.length > 0;
  },

  /**
   * SQL for "interface `alias`.id has a change pending on its own chassis", for the interface
   * reads that derive PENDING (an indexed probe by interface id).
   */
  pendingExpression(alias: string): string {
    return `EXISTS (SELECT 1 FROM chassis_changes x
      WHERE x.interface_id = ${alias}.id AND x.chassis_id = ${alias}.chassis_id)`;
  },
};
