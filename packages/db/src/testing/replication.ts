import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { Logger } from 'pino';
import { privateMariadb, type PrivateMariadb } from './private-mariadb.js';
import { promoteReplica, type Promotion } from './promote-replica.js';

/** A private primary and its semi-synchronous GTID replica, for failover tests. */
export interface ReplicatedMariadb {
  readonly primary: PrivateMariadb;
  /** Read-only (for users without READ_ONLY ADMIN) until promoteReplica(). */
  readonly replica: PrivateMariadb;
  /** Kills the primary with SIGKILL: a crash, the hard case of failover. */
  stopPrimary(): Promise<void>;
  /** Runs promotionSteps on the replica (see promote-replica.ts); it then accepts writes. */
  promoteReplica(): Promise<Promotion>;
  /** The primary's semi-synchronous replication state. */
  semiSyncStatus(): Promise<SemiSyncStatus>;
  /** Stops both servers and deletes their data. */
  destroy(): Promise<void>;
}

/** The primary's Rpl_semi_sync_master_* status variables. */
export interface SemiSyncStatus {
  /** Rpl_semi_sync_master_status: commits wait for a replica's acknowledgement. */
  readonly on: boolean;
  /** Rpl_semi_sync_master_clients: semi-synchronous replicas connected. */
  readonly clients: number;
  /** Rpl_semi_sync_master_yes_tx: commits a replica acknowledged. */
  readonly acknowledgedCommits: number;
  /** Rpl_semi_sync_master_no_tx: commits that went unacknowledged (asynchronously). */
  readonly unacknowledgedCommits: number;
}

export interface ReplicatedMariadbOptions {
  logger?: Logger;
  /** How long starting each server may take. Default 60000. */
  startTimeoutMs?: number;
  /**
   * rpl_semi_sync_master_timeout: how long a commit waits for the replica's acknowledgement
   * before the primary silently falls back to asynchronous replication. Default 600000: longer
   * than any test, so a test sees no fallback, yet a broken set-up fails instead of hanging.
   */
  semiSyncTimeoutMs?: number;
}

// Both servers log every change (log_slave_updates) so the replica can serve replicas once
// promoted; row-based, as GTID replication of vpcd's statements wants.
const binaryLog = ['--log-bin=mysql-bin', '--log-slave-updates', '--binlog-format=ROW'];

/**
 * Starts a primary and a replica as private servers, replication by GTID from the primary's
 * first transaction, semi-synchronous with wait point AFTER_SYNC: a commit becomes visible and
 * is answered only once the replica has it in its relay log. Resolves when the primary reports
 * semi-sync ON with one replica.
 */
export async function replicatedMariadb(
  options: ReplicatedMariadbOptions = {},
): Promise<ReplicatedMariadb> {
  const common = {
    ...(options.logger ? { logger: options.logger } : {}),
    startTimeoutMs: options.startTimeoutMs ?? 60_000,
  };
  const started = await Promise.allSettled([
    privateMariadb({
      ...common,
      serverOptions: [
        '--server-id=1',
        ...binaryLog,
        `--rpl-semi-sync-master-timeout=${options.semiSyncTimeoutMs ?? 600_000}`,
        '--rpl-semi-sync-master-wait-point=AFTER_SYNC',
      ],
    }),
    privateMariadb({
      ...common,
      serverOptions: [
        '--server-id=2',
        ...binaryLog,
        '--rpl-semi-sync-slave-enabled=ON',
        '--read-only=ON',
      ],
    }),
  ]);
  const [primary, replica] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  const destroy = async () => {
    await Promise.all([primary?.destroy(), replica?.destroy()]);
  };
  try {
    if (!primary || !replica) {
      throw started.find((s): s is PromiseRejectedResult => s.status === 'rejected')?.reason;
    }
    await startReplication(primary, replica, common.startTimeoutMs);
  } catch (err) {
    await destroy();
    throw err;
  }
  return {
    primary,
    replica,
    stopPrimary: () => primary.kill(),
    promoteReplica: () => withConnection(replica.url, promoteReplica),
    semiSyncStatus: () => withConnection(primary.url, readSemiSyncStatus),
    destroy,
  };
}

async function startReplication(
  primary: PrivateMariadb,
  replica: PrivateMariadb,
  timeoutMs: number,
): Promise<void> {
  const password = randomBytes(12).toString('hex');
  await withConnection(primary.url, async (c) => {
    await c.query("CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY ?", [password]);
    await c.query("GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'");
    // Switched on only now: with no replica yet, the commits above would wait for the timeout.
    await c.query('SET GLOBAL rpl_semi_sync_master_enabled = ON');
  });
  await withConnection(replica.url, async (c) => {
    // An empty gtid_slave_pos: the replica replays the primary's binary log from its start.
    await c.query(
      "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ?, MASTER_USER = 'repl', " +
        'MASTER_PASSWORD = ?, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1',
      [primary.port, password],
    );
    await c.query('START SLAVE');
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await withConnection(primary.url, readSemiSyncStatus);
    if (status.on && status.clients === 1) return;
    if (Date.now() > deadline) {
      const [rows] = await withConnection(replica.url, (c) =>
        c.query<RowDataPacket[]>('SHOW SLAVE STATUS'),
      );
      throw new Error(
        `semi-synchronous replication did not start in ${timeoutMs} ms: ` +
          `${JSON.stringify(status)}, replica IO error: ${String(rows[0]?.Last_IO_Error)}`,
      );
    }
    await sleep(100);
  }
}

async function readSemiSyncStatus(c: Connection): Promise<SemiSyncStatus> {
  const [rows] = await c.query<RowDataPacket[]>(
    "SHOW GLOBAL STATUS LIKE 'Rpl\\_semi\\_sync\\_master\\_%'",
  );
  const value = (name: string) =>
    String(rows.find((r) => r.Variable_name === `Rpl_semi_sync_master_${name}`)?.Value ?? '');
  return {
    on: value('status') === 'ON',
    clients: Number(value('clients')),
    acknowledgedCommits: Number(value('yes_tx')),
    unacknowledgedCommits: Number(value('no_tx')),
  };
}

async function withConnection<T>(url: string, fn: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await createConnection(url);
  try {
    return await fn(connection);
  } finally {
    await connection.end();
  }
}
