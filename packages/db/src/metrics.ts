import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { PoolState } from './mysql2-internals.js';

/** Seconds; fine steps below 5 ms, where indexed reads and commits land. */
const durationBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export type TransactionOutcome = 'committed' | 'rolled_back' | 'retried';

interface Families {
  queries: Counter<'db' | 'verb' | 'outcome'>;
  duration: Histogram<'db' | 'verb'>;
  poolWait: Histogram<'db'>;
  transactions: Counter<'db' | 'outcome'>;
  /** Pools whose state the gauges read at each scrape. */
  pools: Set<PoolSource>;
}

interface PoolSource {
  db: string;
  state(): PoolState;
}

/** The metrics of one Database: its label value is bound once. */
export interface DbMetrics {
  statement(verb: string, outcome: string, seconds: number): void;
  transaction(outcome: TransactionOutcome): void;
  /** A caller got a connection (or gave up) after waiting this long for it. */
  connectionWait(seconds: number): void;
  /** Stops reporting this pool (after close). */
  detach(): void;
}

// One set of families per registry: several Database objects in one process share them.
const familiesByRegistry = new WeakMap<Registry, Families>();

/** Registers (once per registry) and returns the metrics of the database labelled `db`. */
export function createDbMetrics(registry: Registry, db: string, state: () => PoolState): DbMetrics {
  const f = familiesByRegistry.get(registry) ?? createFamilies(registry);
  familiesByRegistry.set(registry, f);
  const source: PoolSource = { db, state };
  f.pools.add(source);
  for (const outcome of ['committed', 'rolled_back', 'retried'] as const) {
    f.transactions.inc({ db, outcome }, 0);
  }
  return {
    statement(verb, outcome, seconds) {
      f.queries.inc({ db, verb, outcome });
      f.duration.observe({ db, verb }, seconds);
    },
    transaction: (outcome) => f.transactions.inc({ db, outcome }),
    connectionWait: (seconds) => f.poolWait.observe({ db }, seconds),
    detach: () => f.pools.delete(source),
  };
}

function createFamilies(registry: Registry): Families {
  const registers = [registry];
  const pools = new Set<PoolSource>();
  // Each gauge sums over the pools of its label (two Database objects may share a name).
  const poolGauge = (name: string, help: string, read: (s: PoolState) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['db'],
      registers,
      collect() {
        this.reset();
        for (const pool of pools) this.inc({ db: pool.db }, read(pool.state()));
      },
    });
  poolGauge(
    'db_pool_connections_in_use',
    'Connections lent out to a statement or transaction.',
    (s) => s.inUse,
  );
  poolGauge(
    'db_pool_connections_capacity',
    'Most connections the pool opens (connectionLimit).',
    (s) => s.capacity,
  );
  poolGauge('db_pool_connections_open', 'Connections open, in use or idle.', (s) => s.open);
  poolGauge('db_pool_waiting', 'Callers waiting for a free connection.', (s) => s.waiting);
  return {
    pools,
    queries: new Counter({
      name: 'db_queries_total',
      help: 'SQL statements sent, by verb and outcome (ok or the error kind).',
      labelNames: ['db', 'verb', 'outcome'],
      registers,
    }),
    duration: new Histogram({
      name: 'db_query_duration_seconds',
      help: 'Time from sending a statement to its result, including waiting for a connection.',
      labelNames: ['db', 'verb'],
      buckets: durationBuckets,
      registers,
    }),
    poolWait: new Histogram({
      name: 'db_pool_wait_seconds',
      help: 'Time a statement, transaction or scope waited for a free connection of the pool.',
      labelNames: ['db'],
      buckets: durationBuckets,
      registers,
    }),
    transactions: new Counter({
      name: 'db_transactions_total',
      help: 'Transactions by outcome; retried counts each attempt run again after a deadlock or lock wait timeout.',
      labelNames: ['db', 'outcome'],
      registers,
    }),
  };
}
