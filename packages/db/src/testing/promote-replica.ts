import type { Connection, RowDataPacket } from 'mysql2/promise';

/**
 * One statement of the promotion of a MariaDB replica to primary. `read-received` and
 * `wait-applied` carry a value between them: the GTID position the replica received.
 */
export interface PromotionStep {
  readonly kind: 'run' | 'read-received' | 'wait-applied';
  /** Run as is, on the replica; the `?` of `wait-applied` is the position `read-received` read. */
  readonly sql: string;
  /** Why the step is there, as the runbook says it. */
  readonly why: string;
}

/**
 * The promotion, statement by statement: docs/runbooks/mysql-primary-failover.md lists these
 * same statements, and the primary-failover chaos test runs them through promoteReplica().
 */
export const promotionSteps: readonly PromotionStep[] = Object.freeze([
  {
    kind: 'run',
    sql: 'STOP SLAVE IO_THREAD',
    why: 'receive nothing more from the old primary, so the position read next is final',
  },
  {
    kind: 'read-received',
    sql: 'SHOW SLAVE STATUS',
    why:
      'Gtid_IO_Pos is the last transaction written to the relay log: with semi-synchronous ' +
      'replication every commit the old primary acknowledged is at or before it. ' +
      'Slave_SQL_Running must be Yes: a replica whose SQL thread stopped on an error diverged',
  },
  {
    kind: 'wait-applied',
    sql: 'SELECT MASTER_GTID_WAIT(?, 60) AS waited',
    why:
      'with ? = Gtid_IO_Pos: waits up to 60 s until the relay log is applied; ' +
      '0 means applied, -1 means it timed out: do not go on',
  },
  { kind: 'run', sql: 'STOP SLAVE', why: 'stop the SQL thread too' },
  {
    kind: 'run',
    sql: 'RESET SLAVE ALL',
    why: 'forget the old primary, so a restart of this server never replicates from it again',
  },
  {
    kind: 'run',
    sql: 'SET GLOBAL rpl_semi_sync_slave_enabled = OFF',
    why: 'this server is no replica any more',
  },
  { kind: 'run', sql: 'SET GLOBAL read_only = OFF', why: 'accept the writes of vpcd' },
]);

/** Where the promoted replica stands: every transaction up to it is applied. */
export interface Promotion {
  /** Gtid_IO_Pos when replication stopped (empty when it never received anything). */
  readonly receivedGtidPosition: string;
}

/**
 * Promotes the replica `connection` is open on (a user with SUPER or the REPLICA MONITOR,
 * SLAVE ADMIN and READ_ONLY ADMIN privileges) by running promotionSteps in order. Throws,
 * before the replica accepts writes, when its SQL thread is stopped or it cannot apply what it
 * received.
 */
export async function promoteReplica(connection: Connection): Promise<Promotion> {
  let received = '';
  for (const step of promotionSteps) {
    if (step.kind === 'run') {
      await connection.query(step.sql);
    } else if (step.kind === 'read-received') {
      const [rows] = await connection.query<RowDataPacket[]>(step.sql);
      const status = rows[0];
      if (!status) throw new Error('this server is not a replica: SHOW SLAVE STATUS is empty');
      if (status.Slave_SQL_Running !== 'Yes') {
        throw new Error(
          `the replica's SQL thread is not running (${String(status.Last_SQL_Error)}): ` +
            'it misses writes, do not promote it',
        );
      }
      received = String(status.Gtid_IO_Pos ?? '');
    } else {
      const [rows] = await connection.query<RowDataPacket[]>(step.sql, [received]);
      if (Number(rows[0]?.waited) !== 0) {
        throw new Error(`the replica did not apply its relay log up to ${received} in time`);
      }
    }
  }
  return { receivedGtidPosition: received };
}
