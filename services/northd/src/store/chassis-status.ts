import type { ChassisStateAck } from '@vpcd/api';
import type { Database, Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';
import { changeLog } from './change-log.js';

/** One heartbeat as recorded; epoch 0 and content hash '' from a chassis that sends neither. */
export interface Heartbeat {
  readonly chassisId: string;
  /** The revision the chassis holds. */
  readonly appliedGeneration: number;
  readonly stateHash: string;
  readonly appliedEpoch?: number;
  readonly contentHash?: string;
}

export interface HeartbeatAnswer {
  /** GREATEST(applied seq, newest pending seq): ahead of the applied seq while work is pending. */
  readonly desiredGeneration: number;
  readonly drift: boolean;
}

/** What recording an applied ack did. */
/** What an applied ack tells of its chassis. */
export type AppliedAck = Pick<
  ChassisStateAck,
  'chassisId' | 'epoch' | 'generation' | 'stateHash' | 'contentHash' | 'rejectedPorts' | 'changes'
>;

export interface AckRecord {
  /** The status moved to the ack's revision (its epoch is current and the revision newer). */
  readonly recorded: boolean;
  /** Change rows the ack retired. */
  readonly retired: number;
  /** Seconds from the oldest retired change to now: the convergence lag; undefined if none. */
  readonly lagSeconds: number | undefined;
}

interface BeatRow {
  id: string;
  applied_generation: number | null;
  applied_epoch: number | null;
  applied_seq: number | null;
  state_hash: string | null;
  content_hash: string | null;
  pending_seq: number | null;
}

/** The lease epoch of a chassis, read without a lock (a renewal may hold its row). */
async function leaseEpoch(db: Queryable, chassisId: string): Promise<number | undefined> {
  const [row] = await db.query<{ epoch: number }>(
    'SELECT epoch FROM chassis_leases WHERE chassis_id = ?',
    [chassisId],
  );
  return row === undefined ? undefined : Number(row.epoch);
}

/**
 * The applied status of chassis: every write of `chassis_status` is here (acks, refusals,
 * heartbeats, drift, the hash a re-registration forgets). Its rows are apart from registration
 * and leases, so an ack never waits for a lease renewal or an API write, nor they for it.
 */
export const chassisStatus = {
  /**
   * Makes the status row of a chassis that registers, or forgets the bridge hash of one that
   * registers again: its agent programs its bridge afresh, and the hash of the one before says
   * nothing of the new one (a rebuilt bridge numbers its ports anew). Its next heartbeat at the
   * applied revision records the new hash.
   */
  async registered(tx: Queryable, chassisId: string): Promise<void> {
    await tx.execute(
      `INSERT INTO chassis_status (chassis_id) VALUES (?)
       ON DUPLICATE KEY UPDATE state_hash = ''`,
      [chassisId],
    );
  },

  /**
   * Records that a chassis applied a state or delta, in one transaction: when the ack's epoch is
   * the lease's current one (read without a lock), the status moves to its revision if newer than
   * the one recorded, and the rows the message covered are retired. An ack of an older epoch
   * changes nothing: its message came from a deposed owner, and the new owner's first full state,
   * which may have been read before those rows committed, can reach the chassis after it and
   * replace what it applied; the rows stay for the new owner to send. An applied ack also
   * replaces the chassis' record of the ports it left out (the local ones).
   */
  async recordAck(db: Database, ack: AppliedAck): Promise<AckRecord> {
    return (await chassisStatus.recordAcks(db, [ack]))[0]!;
  },

  /**
   * recordAck for several acks in one transaction, answered in their order: one read of the
   * lease epochs, then each ack's status update, by chassis id (the order heartbeats lock the
   * same rows in, so the two never deadlock), then one statement retiring the rows of them all.
   * What an instance gets in a burst (a fleet converging after a failover) goes in a few
   * transactions rather than one per ack, each waiting for one of the pool's connections.
   */
  async recordAcks(db: Database, acks: readonly AppliedAck[]): Promise<AckRecord[]> {
    if (acks.length === 0) return [];
    return db.transaction(async (tx) => {
      const ids = [...new Set(acks.map((a) => a.chassisId))];
      const leases = await tx.query<{ chassis_id: string; epoch: number }>(
        'SELECT chassis_id, epoch FROM chassis_leases WHERE chassis_id IN (?)',
        [ids],
      );
      const epochs = new Map(leases.map((l) => [l.chassis_id, Number(l.epoch)]));
      const order = acks
        .map((ack, i) => ({ ack, i }))
        .sort((x, y) =>
          x.ack.chassisId < y.ack.chassisId ? -1 : x.ack.chassisId > y.ack.chassisId ? 1 : 0,
        );
      const current = acks.map((ack) => epochs.get(ack.chassisId) === ack.epoch);
      const seqs = acks.map((ack) => ack.changes.map(Number));
      const recorded = acks.map(() => false);
      for (const { ack, i } of order) {
        if (!current[i]) continue;
        const rejected = ack.rejectedPorts.filter((r) => !r.remote);
        const rejectedText =
          rejected.length === 0
            ? null
            : JSON.stringify(
                Object.fromEntries(
                  rejected.map((r) => [r.interfaceId, `${r.reason}: ${r.message}`]),
                ),
              );
        const changes = seqs[i]!;
        const { affectedRows } = await tx.execute(
          `UPDATE chassis_status SET applied_epoch = ?, applied_generation = ?,
             applied_seq = GREATEST(applied_seq, ?), state_hash = ?, content_hash = ?,
             rejected_ports = ?
           WHERE chassis_id = ? AND (applied_epoch < ? OR (applied_epoch = ? AND applied_generation < ?))`,
          [
            ack.epoch,
            ack.generation,
            changes.length === 0 ? 0 : Math.max(...changes),
            ack.stateHash,
            ack.contentHash,
            rejectedText,
            ack.chassisId,
            ack.epoch,
            ack.epoch,
            ack.generation,
          ],
        );
        recorded[i] = affectedRows > 0;
      }
      // The rows of every ack of the lease's epoch in one statement, after the status rows
      // (locked in chassis-id order).
      const retired = await changeLog.retireMany(
        tx,
        acks.map((ack, i) => ({
          chassisId: ack.chassisId,
          seqs: current[i] ? seqs[i]! : [],
        })),
      );
      const now = Date.now();
      return retired.map(({ retired: count, oldest }, i) => ({
        recorded: recorded[i]!,
        retired: count,
        lagSeconds: oldest === undefined ? undefined : Math.max(0, (now - oldest.getTime()) / 1000),
      }));
    });
  },

  /**
   * recordAcks, where an ack whose statements fail (a value the columns refuse) fails alone: a
   * group that fails is recorded again one ack at a time, and each answer is its record or its
   * error. One bad ack must not hold back the acks that came with it.
   */
  async recordAcksApart(
    db: Database,
    acks: readonly AppliedAck[],
  ): Promise<Array<AckRecord | Error>> {
    try {
      return await chassisStatus.recordAcks(db, acks);
    } catch (err) {
      if (acks.length === 1) throw err;
      return Promise.all(
        acks.map((ack) =>
          chassisStatus.recordAcks(db, [ack]).then(
            ([record]) => record!,
            (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
          ),
        ),
      );
    }
  },

  /**
   * Records a message refused for good (too large, invalid): its rows are not sent again until
   * a newer change arrives, which brings a full state. Only while `epoch` is the lease's.
   */
  async recordRefused(
    db: Queryable,
    work: { chassisId: string; epoch: number; changes: readonly number[] },
    reason: string,
  ): Promise<void> {
    if (work.changes.length === 0) return;
    if ((await leaseEpoch(db, work.chassisId)) !== work.epoch) return;
    await db.execute(
      `UPDATE chassis_status SET refused_seq = GREATEST(refused_seq, ?), refused_reason = ?
       WHERE chassis_id = ?`,
      [Math.max(...work.changes.map(Number)), reason.slice(0, 255), work.chassisId],
    );
  },

  /**
   * A chassis not at the base revision of a delta asks for a full state: one FULL change row,
   * unless one is pending, so whichever northd records this, the owner sends one.
   */
  async recordNeedsFull(db: Queryable, chassisId: string): Promise<void> {
    await changeLog.requestFullOnce(db, chassisId);
  },

  /** The content hash the chassis last reported and at which (epoch, revision). */
  async reportedContent(
    db: Queryable,
    chassisId: string,
  ): Promise<{ epoch: number; generation: number; contentHash: string } | undefined> {
    const [row] = await db.query<{
      applied_epoch: number;
      applied_generation: number;
      content_hash: string;
    }>(
      `SELECT applied_epoch, applied_generation, content_hash FROM chassis_status
       WHERE chassis_id = ? AND content_hash <> ''`,
      [chassisId],
    );
    if (!row) return undefined;
    return {
      epoch: Number(row.applied_epoch),
      generation: Number(row.applied_generation),
      contentHash: row.content_hash,
    };
  },

  recordHeartbeats,
};

/**
 * Records heartbeats. Drift is a chassis reporting, at the revision it last acknowledged, a
 * bridge hash other than the one recorded: something changed its bridge behind our back. A
 * drifting chassis gets a FULL change row (one at a time), so its owner sends it the full
 * state. While no hash is recorded at that revision (the chassis registered again since), the
 * reported one becomes the hash drift is measured against; likewise the content hash at the
 * applied epoch and revision, which the owner's audit compares.
 *
 * Autocommit statements that lock only status rows: one read of every chassis, one conditional
 * update per chassis that drifted or whose hash is recorded (rare; the update re-checks what the
 * decision read, so a row that moved meanwhile is left alone and the next heartbeat decides
 * again), and one write of the time of all the others. Resolves, for each heartbeat in order,
 * its answer or the NOT_FOUND of a chassis that is not registered.
 */
export async function recordHeartbeats(
  db: Queryable,
  beats: readonly Heartbeat[],
): Promise<Array<HeartbeatAnswer | RpcError>> {
  if (beats.length === 0) return [];
  const ids = [...new Set(beats.map((b) => b.chassisId))];
  const rows = await db.query<BeatRow>(
    `SELECT c.id, s.applied_generation, s.applied_epoch, s.applied_seq, s.state_hash,
       s.content_hash, (SELECT MAX(x.seq) FROM chassis_changes x WHERE x.chassis_id = c.id) AS pending_seq
     FROM chassis c LEFT JOIN chassis_status s ON s.chassis_id = c.id WHERE c.id IN (?)`,
    [ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const answers: Array<HeartbeatAnswer | RpcError> = [];
  const timeOnly = new Set<string>();
  for (const beat of beats) {
    const row = byId.get(beat.chassisId);
    if (!row) {
      answers.push(
        new RpcError(Status.NOT_FOUND, `chassis ${beat.chassisId} not found; register it first`),
      );
      continue;
    }
    const desired = Math.max(Number(row.applied_seq ?? 0), Number(row.pending_seq ?? 0));
    const answer = await recordHashOrDrift(db, beat, row, desired);
    if (!answer) timeOnly.add(beat.chassisId);
    answers.push(answer ?? { desiredGeneration: desired, drift: false });
  }
  if (timeOnly.size > 0) {
    await db.execute(
      'UPDATE chassis_status SET last_heartbeat_time = NOW(3) WHERE chassis_id IN (?)',
      [[...timeOnly]],
    );
  }
  return answers;
}

/** The conditional update a heartbeat calls for, if any; undefined when only its time is due. */
async function recordHashOrDrift(
  db: Queryable,
  beat: Heartbeat,
  row: BeatRow,
  desired: number,
): Promise<HeartbeatAnswer | undefined> {
  const { chassisId, appliedGeneration, stateHash } = beat;
  const recordedHash = row.state_hash ?? '';
  const sameEpoch = !beat.appliedEpoch || beat.appliedEpoch === Number(row.applied_epoch ?? 0);
  const atApplied =
    row.applied_generation !== null &&
    sameEpoch &&
    appliedGeneration === Number(row.applied_generation);
  const guard = 'WHERE chassis_id = ? AND applied_generation = ? AND state_hash = ?';
  const guardParams = [chassisId, appliedGeneration, recordedHash];
  if (atApplied && stateHash !== '' && recordedHash !== '' && stateHash !== recordedHash) {
    const { affectedRows } = await db.execute(
      `UPDATE chassis_status SET last_heartbeat_time = NOW(3) ${guard}`,
      guardParams,
    );
    if (affectedRows === 1) {
      const seq = await changeLog.requestFullOnce(db, chassisId);
      return { desiredGeneration: Math.max(desired, seq), drift: true };
    }
  } else if (atApplied && stateHash !== '' && recordedHash === '') {
    const { affectedRows } = await db.execute(
      `UPDATE chassis_status SET last_heartbeat_time = NOW(3), state_hash = ? ${guard}`,
      [stateHash, ...guardParams],
    );
    if (affectedRows === 1) return { desiredGeneration: desired, drift: false };
  }
  // A restarted agent holds the initial sync's state (revision 0, in no chain), which is the
  // desired state when nothing is pending: its first hash becomes the one drift is measured
  // against, at revision 0, until the owner's next message moves the chassis on.
  if (
    appliedGeneration === 0 &&
    stateHash !== '' &&
    recordedHash === '' &&
    row.pending_seq === null &&
    row.applied_generation !== null
  ) {
    const { affectedRows } = await db.execute(
      `UPDATE chassis_status SET last_heartbeat_time = NOW(3), state_hash = ?, applied_generation = 0
       WHERE chassis_id = ? AND state_hash = ''`,
      [stateHash, chassisId],
    );
    if (affectedRows === 1) return { desiredGeneration: desired, drift: false };
  }
  const contentHash = beat.contentHash ?? '';
  if (atApplied && contentHash !== '' && contentHash !== (row.content_hash ?? '')) {
    await db.execute(
      `UPDATE chassis_status SET last_heartbeat_time = NOW(3), content_hash = ?
       WHERE chassis_id = ? AND applied_epoch = ? AND applied_generation = ?`,
      [contentHash, chassisId, Number(row.applied_epoch ?? 0), appliedGeneration],
    );
    return { desiredGeneration: desired, drift: false };
  }
  return undefined;
}

/** Records an applied ack; see chassisStatus.recordAck. */
export function recordAck(...args: Parameters<typeof chassisStatus.recordAck>): Promise<AckRecord> {
  return chassisStatus.recordAck(...args);
}

/** Records a message refused for good; see chassisStatus.recordRefused. */
export function recordRefused(
  ...args: Parameters<typeof chassisStatus.recordRefused>
): Promise<void> {
  return chassisStatus.recordRefused(...args);
}

/** Records a chassis' request for a full state; see chassisStatus.recordNeedsFull. */
export function recordNeedsFull(
  ...args: Parameters<typeof chassisStatus.recordNeedsFull>
): Promise<void> {
  return chassisStatus.recordNeedsFull(...args);
}
