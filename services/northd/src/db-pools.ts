import { createDatabase, type Database, type DatabaseOptions } from '@vpcd/db';

/**
 * northd's connection pools, one per kind of work (bulkheads): work that fills its pool makes
 * only its own kind wait. Under a fleet's heartbeats and the API's writes, one shared pool had
 * every connection taken and hundreds of callers queued: single-row reads waited hundreds of
 * milliseconds for a connection, and lease renewals waited past the lease TTL, so the instance
 * dropped all of its chassis. Each pool is labelled `db` in the `db_*` metrics.
 */
export interface NorthdPools {
  /** API reads and token look-ups: single statements that wait on no row lock. `northd`. */
  readonly reads: Database;
  /** API write transactions, which may wait on a row lock (a VPC's, a project's). `northd-writes`. */
  readonly writes: Database;
  /** What chassis ask and report: heartbeats, registrations, initial syncs, acks. `northd-chassis`. */
  readonly chassis: Database;
  /**
   * The converge loop's reads (change rows, full states and deltas) and its refusals: up to
   * the converger's reconciles (64 at once) share it. `northd-converge`.
   */
  readonly converge: Database;
  /**
   * Lease renewals and the janitor. Each runs one statement or transaction at a time, and the
   * pool has a connection for each, so neither ever waits: a renewal that queued behind the
   * converge loop's reads of large full states lapsed the instance's leases. `northd-control`.
   */
  readonly control: Database;
  /** Closes every pool. */
  close(): Promise<void>;
}

/**
 * Connections of the pools besides `reads`, whose size is the `connectionLimit` of MYSQL_URL
 * (default 10). Writes of one VPC queue on its row lock whatever the pool, so more connections
 * would only hold more waiting transactions; acks and heartbeat batches are short statements.
 */
export const poolSizes = { writes: 8, chassis: 6, converge: 4, control: 3 } as const;

export type PoolOptions = Omit<DatabaseOptions, 'name' | 'connectionLimit'>;

/** Creates the pools; connections open on first use, so this neither blocks nor fails on I/O. */
export function createPools(options: PoolOptions): NorthdPools {
  // The URL's connectionLimit sizes the reads pool only; every other setting applies to all.
  const url = new URL(options.url);
  url.searchParams.delete('connectionLimit');
  const sized = (name: string, connectionLimit: number) =>
    createDatabase({ ...options, url: url.href, name, connectionLimit });
  const pools = {
    reads: createDatabase({ ...options, name: 'northd' }),
    writes: sized('northd-writes', poolSizes.writes),
    chassis: sized('northd-chassis', poolSizes.chassis),
    converge: sized('northd-converge', poolSizes.converge),
    control: sized('northd-control', poolSizes.control),
  };
  return {
    ...pools,
    async close() {
      await Promise.all(Object.values(pools).map((pool) => pool.close()));
    },
  };
}
