import { trace } from '@opentelemetry/api';
import type { PoolConnection } from 'mysql2/promise';
import type { Logger } from 'pino';
import { DbError } from './db-error.js';
import { sleep } from '@vpcd/backoff';
import { isRetryableTransactionError, retryDelayMs } from './retry-policy.js';
import type { DbMetrics } from './metrics.js';
import type { Instruments, Send } from './run-statement.js';
import { Session, type Queryable } from './session.js';

export type IsolationLevel = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

export interface TransactionOptions {
  /** Times the callback runs again after a deadlock or lock wait timeout. Default 3. */
  retries?: number;
  /** Default READ COMMITTED (every connection's session default). */
  isolation?: IsolationLevel;
}

/** Every connection of the pool starts its transactions at this level unless told otherwise. */
export const defaultIsolation: IsolationLevel = 'READ COMMITTED';
const isolationLevels: readonly IsolationLevel[] = [
  'READ COMMITTED',
  'REPEATABLE READ',
  'SERIALIZABLE',
];

export interface TransactionDeps {
  instruments: Instruments;
  metrics: DbMetrics;
  logger: Logger;
  /** Lends a connection; rejects with DbError. */
  acquire(): Promise<PoolConnection>;
  /** How statements are sent on a lent connection (with the statement timeout). */
  send(connection: PoolConnection): Send;
}

/**
 * Runs fn in a transaction: commits when it resolves, rolls back when it throws, and runs it again
 * (a new transaction on a fresh connection) after a deadlock or lock wait timeout. What fn throws
 * is rethrown as it is; failures of the transaction itself are DbErrors.
 */
export async function runTransaction<T>(
  deps: TransactionDeps,
  fn: (tx: Queryable) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const retries = options.retries ?? 3;
  const isolation = options.isolation ?? defaultIsolation;
  if (!Number.isInteger(retries) || retries < 0) {
    throw new DbError('other', `retries must be an integer >= 0 (got ${retries})`);
  }
  if (!isolationLevels.includes(isolation)) {
    throw new DbError('other', `unknown isolation level ${String(isolation)}`);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const result = await attemptOnce(deps, fn, isolation);
      deps.metrics.transaction('committed');
      return result;
    } catch (err) {
      if (attempt < retries && isRetryableTransactionError(err)) {
        deps.metrics.transaction('retried');
        trace.getActiveSpan()?.addEvent('db.transaction.retry', { attempt: attempt + 1 });
        deps.logger.debug(
          { attempt: attempt + 1, err },
          'transaction retried after lock contention',
        );
        await sleep(retryDelayMs(attempt + 1));
        continue;
      }
      deps.metrics.transaction('rolled_back');
      throw err;
    }
  }
}

async function attemptOnce<T>(
  deps: TransactionDeps,
  fn: (tx: Queryable) => Promise<T>,
  isolation: IsolationLevel,
): Promise<T> {
  const connection = await deps.acquire();
  const tx = new Session(deps.instruments, deps.send(connection), 'transaction');
  try {
    if (isolation !== defaultIsolation) {
      await tx.control(`SET TRANSACTION ISOLATION LEVEL ${isolation}`);
    }
    await tx.control('START TRANSACTION');
    let result: T;
    try {
      result = await fn(tx);
    } catch (err) {
      tx.finish();
      await rollback(tx);
      throw tx.failure ?? err;
    }
    tx.finish();
    const failure = tx.failure;
    if (failure) {
      await rollback(tx);
      throw failure;
    }
    try {
      await tx.control('COMMIT');
    } catch (err) {
      if (!tx.broken) await rollback(tx);
      throw err;
    }
    return result;
  } finally {
    if (tx.broken) connection.destroy();
    else connection.release();
  }
}

/** Rolls back; a failure only marks the connection broken, the original error matters more. */
async function rollback(tx: Session): Promise<void> {
  try {
    await tx.control('ROLLBACK');
  } catch {
    // The connection is closed instead, which rolls back on the server.
    tx.markBroken();
  }
}
