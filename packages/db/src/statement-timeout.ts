import type { PoolConnection } from 'mysql2/promise';
import { DbError } from './db-error.js';
import { connectionSocket } from './mysql2-internals.js';

const destroyed = new WeakSet<object>();

/** True for a (core mysql2) connection that destroySocket closed: its "connection lost" is ours. */
export function wasDestroyed(connection: object): boolean {
  return destroyed.has(connection);
}

/**
 * Destroys the connection's socket. mysql2 then fails the statement in flight and every one
 * queued behind it with PROTOCOL_CONNECTION_LOST and drops the connection from its pool.
 * (mysql2's own destroy() only half-closes the socket and leaves those statements waiting
 * forever, and its query `timeout` leaves the timed-out statement blocking the connection.)
 */
export function destroySocket(connection: { destroy(): void }): void {
  destroyed.add(connection);
  const socket = connectionSocket(connection);
  if (socket) socket.destroy();
  else connection.destroy();
}

/**
 * Runs one exchange with the server on `connection` (a statement, a ping). When no answer comes
 * within `timeoutMs` (0: no limit), the connection is destroyed, since its state is unknown (the
 * server may be gone without a FIN, or still running the statement), and the call rejects with
 * DbError `timeout`, code PROTOCOL_SEQUENCE_TIMEOUT.
 */
export async function withinTimeout<T>(
  connection: PoolConnection,
  timeoutMs: number,
  exchange: () => Promise<T>,
): Promise<T> {
  if (timeoutMs === 0) return exchange();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    destroySocket(connection.connection);
  }, timeoutMs);
  try {
    return await exchange();
  } catch (err) {
    if (!expired) throw err;
    throw new DbError('timeout', `no answer from the database server within ${timeoutMs} ms`, {
      cause: err,
      code: 'PROTOCOL_SEQUENCE_TIMEOUT',
    });
  } finally {
    clearTimeout(timer);
  }
}
