import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryableTransactionError, type Queryable } from '@vpcd/db';
import { recountInterfaces, requestFullStates } from '@vpcd/northd/testing';
import {
  insertRows,
  interfaceColumns,
  interfaceRows,
  ipv4ToNumber,
  type InterfaceRowSpec,
} from '../northd/bulk-insert.js';

/** One VPC to fill: made through the API, its interfaces written here. */
export interface FillSpec {
  readonly vpcId: string;
  readonly cidr: string;
  /** Its interfaces go to these chassis in turn. */
  readonly chassisIds: readonly string[];
  readonly interfaces: number;
}

const maxAttempts = 20;

/**
 * `db` whose statements (each its own transaction) are made again when the server rolled them
 * back for a deadlock or a lock wait: an insert of interfaces takes shared locks on the chassis
 * rows its foreign key names, which heartbeats and acks of a running fleet update meanwhile.
 */
function retrying(db: Queryable): Queryable {
  const again = async <T>(run: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err: unknown) {
        if (attempt >= maxAttempts || !isRetryableTransactionError(err)) throw err;
        await sleep(50 * attempt);
      }
    }
  };
  return {
    query: <T extends object>(sql: string, params?: unknown[]) =>
      again(() => db.query<T>(sql, params)),
    execute: (sql, params) => again(() => db.execute(sql, params)),
  };
}

async function columnsOf(db: Queryable, table: string): Promise<Set<string>> {
  const rows = await db.query<{ name: string }>(
    `SELECT column_name AS name FROM information_schema.columns
     WHERE table_schema = DATABASE() AND table_name = ?`,
    [table],
  );
  return new Set(rows.map((r) => r.name.toLowerCase()));
}

/**
 * Fills VPCs with interfaces at a speed the API is not meant for (multi-row INSERTs, 10,000
 * rows in about a second), then has every chassis they touch converge to them, as one committed
 * change: a full-state request for each, and the counters the API keeps brought up to date
 * (`@vpcd/northd/testing`). The VPCs'
 * address free lists are rebuilt by northd at their next allocation (rows written around the
 * API), which the benchmark's warm-up makes. The caller sends the change hint.
 *
 * This is the one place the benchmark writes around the API: a schema change updates it here.
 */
export async function fillVpcs(pool: Queryable, fills: readonly FillSpec[]): Promise<string[]> {
  const db = retrying(pool);
  const specs: InterfaceRowSpec[] = fills.flatMap((f) => {
    const first = ipv4ToNumber(f.cidr.split('/')[0]!);
    return Array.from({ length: f.interfaces }, (_, n) => ({
      vpcId: f.vpcId,
      chassisId: f.chassisIds[n % f.chassisIds.length]!,
      name: `fill-${n}`,
      ip: first + 10 + n,
      macIndex: n,
    }));
  });
  const existing = await columnsOf(db, 'interfaces');
  const keep = interfaceColumns.map((c) => existing.has(c));
  const columns = interfaceColumns.filter((_, i) => keep[i]);
  const rows = interfaceRows(specs).map((row) => row.filter((_, i) => keep[i]));
  await insertRows(db, 'interfaces', columns, rows);

  const vpcIds = fills.map((f) => f.vpcId);
  const chassisIds = [...new Set(fills.flatMap((f) => f.chassisIds))];
  if (vpcIds.length === 0 || chassisIds.length === 0) return chassisIds;
  // Through the modules that own these tables: the counters the API keeps, and one full-state
  // request per chassis.
  await recountInterfaces(db);
  await requestFullStates(db, chassisIds);
  return chassisIds;
}
