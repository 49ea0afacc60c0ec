import { trace } from '@opentelemetry/api';
import type { PoolConnection as CorePoolConnection } from 'mysql2';
import { createPool, type PoolConnection } from 'mysql2/promise';
import { compileOptions, type DatabaseOptions } from './database-options.js';
import { DbError } from './db-error.js';
import { createDbMetrics } from './metrics.js';
import { readPoolState } from './mysql2-internals.js';
import type { Instruments, Send } from './run-statement.js';
import { leavesConnectionBroken, Session, type Queryable } from './session.js';
import { destroySocket, wasDestroyed, withinTimeout } from './statement-timeout.js';
import { defaultIsolation, runTransaction, type TransactionOptions } from './transaction.js';

/** A MySQL connection pool; safe for concurrent use. */
export interface Database extends Queryable {
  /** The `db` label of its metrics. */
  readonly name: string;
  /**
   * Runs fn in one transaction (READ COMMITTED unless `isolation` is given); commits when fn
   * resolves, rolls back when it throws; runs fn again on deadlock (1213) or lock wait timeout
   * (1205), up to `retries` (default 3) times, after a small jittered backoff. fn must therefore
   * have no effects outside the transaction. What fn throws is rethrown as it is.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Runs fn on one connection in autocommit mode, for work that needs one session, such as a
   * named lock (GET_LOCK). Session state it leaves behind goes back to the pool with it.
   * `statementTimeoutMs` replaces the pool's for the statements of this scope (0: no limit),
   * for statements that legitimately wait long (a GET_LOCK, DDL on a large table).
   */
  withConnection<T>(
    fn: (connection: Queryable) => Promise<T>,
    options?: { statementTimeoutMs?: number },
  ): Promise<T>;
  /** Resolves when the server answers a ping on a pooled connection within statementTimeoutMs. */
  ping(): Promise<void>;
  /** Closes every connection; later calls fail with `unavailable`. Idempotent. */
  close(): Promise<void>;
}

/**
 * Every new connection runs in UTC (dates are read and written as UTC) and starts transactions
 * at READ COMMITTED: no gap locks, so concurrent writers to different rows do not block.
 */
const sessionSetup = [
  "SET SESSION time_zone = '+00:00'",
  `SET SESSION TRANSACTION ISOLATION LEVEL ${defaultIsolation}`,
];

/** Creates the pool; connections open on first use, so this neither blocks nor fails on I/O. */
export function createDatabase(options: DatabaseOptions): Database {
  const o = compileOptions(options);
  const logger = options.logger.child({ component: 'db', db: o.name });
  const pool = createPool({
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    ...(o.database ? { database: o.database } : {}),
    connectionLimit: o.connectionLimit,
    // mysql2 reads queueLimit 0 as "unlimited"; ours means "nobody waits".
    waitForConnections: o.queueLimit > 0,
    queueLimit: o.queueLimit,
    connectTimeout: o.connectTimeoutMs,
    enableKeepAlive: o.keepAliveDelayMs > 0,
    keepAliveInitialDelay: o.keepAliveDelayMs,
    // Values read the same from MariaDB and MySQL 8, and never rounded: dates in UTC, JSON as its
    // text (MariaDB's JSON is a string type), BIGINT beyond 2^53 as a decimal string.
    timezone: 'Z',
    jsonStrings: true,
    supportBigNumbers: true,
    // mysql2 captures a stack trace on every statement for its errors' sake: a sixth of northd's
    // CPU under heartbeats. The statement's span names it, and DbError keeps the driver's error.
    trace: false,
  });
  pool.pool.on('connection', (connection: CorePoolConnection) => {
    connection.on('error', (err: unknown) => {
      // A connection we destroyed after a timeout was reported to the caller already.
      if (wasDestroyed(connection)) return;
      logger.warn({ err: DbError.from(err) }, 'database connection failed');
    });
    // The caller's first statement waits behind these: they are bounded like any statement.
    const setup: Array<{ sql: string; tolerate?: number; what: string }> = sessionSetup.map(
      (sql) => ({ sql, what: 'database session set-up failed' }),
    );
    if (o.idleTransactionTimeoutS > 0) {
      // MariaDB only; MySQL answers "unknown system variable" (1193), which changes nothing.
      setup.push({
        sql: `SET SESSION idle_transaction_timeout = ${o.idleTransactionTimeoutS}`,
        tolerate: 1193,
        what: 'setting idle_transaction_timeout failed',
      });
    }
    let pending = setup.length;
    const timer =
      o.statementTimeoutMs > 0
        ? setTimeout(() => {
            logger.warn(
              { timeoutMs: o.statementTimeoutMs },
              'database session set-up got no answer; connection dropped',
            );
            destroySocket(connection);
          }, o.statementTimeoutMs)
        : undefined;
    for (const step of setup) {
      connection.query(step.sql, (err) => {
        if (--pending === 0) clearTimeout(timer);
        if (!err || (err as { errno?: number }).errno === step.tolerate) return;
        if (wasDestroyed(connection)) return;
        logger.warn({ err: DbError.from(err) }, step.what);
        destroySocket(connection);
      });
    }
  });
  const metrics = createDbMetrics(options.registry, o.name, () => readPoolState(pool));
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer('@vpcd/db');
  const instruments: Instruments = {
    tracer,
    metrics,
    attributes: {
      'db.system': 'mysql',
      'db.name': o.database,
      'server.address': o.host,
      'server.port': o.port,
    },
  };
  const acquire = async (): Promise<PoolConnection> => {
    const started = process.hrtime.bigint();
    try {
      return await pool.getConnection();
    } catch (err) {
      throw DbError.from(err);
    } finally {
      metrics.connectionWait(Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
  const sendOn =
    (connection: PoolConnection, timeoutMs: number): Send =>
    (sql, params) =>
      withinTimeout(connection, timeoutMs, async () => (await connection.query(sql, params))[0]);
  // One connection per statement, as pool.query does, but one that did not answer goes away.
  const onPool = new Session(
    instruments,
    async (sql, params) => {
      const connection = await acquire();
      try {
        const result = await sendOn(connection, o.statementTimeoutMs)(sql, params);
        connection.release();
        return result;
      } catch (err) {
        if (leavesConnectionBroken(DbError.from(err))) connection.destroy();
        else connection.release();
        throw err;
      }
    },
    'pool',
  );
  let closing: Promise<void> | undefined;
  logger.debug(
    { host: o.host, port: o.port, database: o.database, connectionLimit: o.connectionLimit },
    'database pool created',
  );

  return {
    name: o.name,
    query: (sql, params) => onPool.query(sql, params),
    execute: (sql, params) => onPool.execute(sql, params),
    transaction: (fn, transactionOptions) =>
      runTransaction(
        { instruments, metrics, logger, acquire, send: (c) => sendOn(c, o.statementTimeoutMs) },
        fn,
        transactionOptions,
      ),
    async withConnection(fn, scope = {}) {
      const timeoutMs = scope.statementTimeoutMs ?? o.statementTimeoutMs;
      if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
        throw new DbError('other', `statementTimeoutMs must be an integer >= 0 (got ${timeoutMs})`);
      }
      const connection = await acquire();
      const session = new Session(instruments, sendOn(connection, timeoutMs), 'connection');
      try {
        return await fn(session);
      } finally {
        session.finish();
        if (session.broken) connection.destroy();
        else connection.release();
      }
    },
    async ping() {
      const connection = await acquire();
      try {
        await withinTimeout(connection, o.statementTimeoutMs, () => connection.ping());
        connection.release();
      } catch (err) {
        connection.destroy();
        throw DbError.from(err);
      }
    },
    close() {
      closing ??= (async () => {
        metrics.detach();
        try {
          await pool.end();
        } catch (err) {
          throw DbError.from(err);
        }
        logger.debug('database pool closed');
      })();
      return closing;
    },
  };
}
