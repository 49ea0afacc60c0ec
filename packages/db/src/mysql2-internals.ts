import type { Socket } from 'node:net';
import type { Pool } from 'mysql2/promise';

// Every reach into mysql2's private state is here, for the pinned version (3.24.x);
// mysql2-internals.test.ts fails if a new version moves them. Neither is a fast path: mysql2
// has no public way to read how busy a pool is, nor to close a connection's socket at once.

/** How busy a pool is, for the USE saturation gauges. */
export interface PoolState {
  inUse: number;
  capacity: number;
  open: number;
  waiting: number;
}

/** mysql2 keeps these as queues on its core pool. */
interface CorePoolInternals {
  config?: { connectionLimit?: number };
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
}

/** Reads the state of a mysql2 pool at this moment; zeros where mysql2 no longer has a field. */
export function readPoolState(pool: Pool): PoolState {
  const core = pool.pool as unknown as CorePoolInternals;
  const open = core._allConnections?.length ?? 0;
  const free = core._freeConnections?.length ?? 0;
  return {
    inUse: Math.max(0, open - free),
    capacity: core.config?.connectionLimit ?? 0,
    open,
    waiting: core._connectionQueue?.length ?? 0,
  };
}

/** The socket of a core mysql2 connection; undefined where mysql2 no longer keeps it. */
export function connectionSocket(connection: object): Socket | undefined {
  return (connection as { stream?: Socket }).stream;
}
