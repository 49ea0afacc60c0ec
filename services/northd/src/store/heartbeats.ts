import type { Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';

export interface Heartbeat {
  readonly chassisId: string;
  readonly appliedGeneration: number;
  readonly stateHash: string;
}

export interface HeartbeatAnswer {
  readonly desiredGeneration: number;
  readonly drift: boolean;
}

interface BeatRow {
  id: string;
  applied_generation: number;
  desired_generation: number;
  state_hash: string;
}

/**
 * Records heartbeats. Drift is a chassis reporting, at the generation it last acknowledged, a
 * state hash other than the one recorded: something changed its bridge behind our back. A
 * drifting chassis is scheduled again (a new generation), so it re-applies the full state.
 * While no hash is recorded at that generation (the chassis registered again since), the
 * reported one becomes the hash drift is measured against.
 *
 * Autocommit statements, no row lock (a lock would queue behind the converge loop's and the
 * acks' updates of the same rows): one read of every chassis, one conditional update per chassis
 * that drifted or whose hash is recorded (rare; the update re-checks what the decision read, so
 * a row that moved meanwhile is left alone and the next heartbeat decides again), and one write
 * of the time of all the others. Resolves, for each heartbeat in order, its answer or the
 * NOT_FOUND of a chassis that is not registered.
 */
export async function recordHeartbeats(
  db: Queryable,
  beats: readonly Heartbeat[],
): Promise<Array<HeartbeatAnswer | RpcError>> {
  if (beats.length === 0) return [];
  const ids = [...new Set(beats.map((b) => b.chassisId))];
  const rows = await db.query<BeatRow>(
    'SELECT id, applied_generation, desired_generation, state_hash FROM chassis WHERE id IN (?)',
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
    const answer = await recordHashOrDrift(db, beat, row);
    if (!answer) timeOnly.add(beat.chassisId);
    answers.push(answer ?? { desiredGeneration: Number(row.desired_generation), drift: false });
  }
  if (timeOnly.size > 0) {
    await db.execute('UPDATE chassis SET last_heartbeat_time = NOW(3) WHERE id IN (?)', [
      [...timeOnly],
    ]);
  }
  return answers;
}

/** The conditional update a heartbeat calls for, if any; undefined when only its time is due. */
async function recordHashOrDrift(
  db: Queryable,
  beat: Heartbeat,
  row: BeatRow,
): Promise<HeartbeatAnswer | undefined> {
  const { chassisId, appliedGeneration, stateHash } = beat;
  const atApplied = stateHash !== '' && appliedGeneration === Number(row.applied_generation);
  const guard = 'WHERE id = ? AND applied_generation = ? AND state_hash = ?';
  const guardParams = [chassisId, appliedGeneration, row.state_hash];
  if (atApplied && row.state_hash !== '' && stateHash !== row.state_hash) {
    const { affectedRows } = await db.execute(
      `UPDATE chassis SET last_heartbeat_time = NOW(3), desired_generation = desired_generation + 1,
         desired_changed_at = NOW(3) ${guard}`,
      guardParams,
    );
    if (affectedRows === 1) {
      return { desiredGeneration: Number(row.desired_generation) + 1, drift: true };
    }
  } else if (atApplied && row.state_hash === '') {
    const { affectedRows } = await db.execute(
      `UPDATE chassis SET last_heartbeat_time = NOW(3), state_hash = ? ${guard}`,
      [stateHash, ...guardParams],
    );
    if (affectedRows === 1) {
      return { desiredGeneration: Number(row.desired_generation), drift: false };
    }
  }
  return undefined;
}
