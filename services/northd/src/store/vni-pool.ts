import type { Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';
import { Counter, type Registry } from 'prom-client';

/** Where an allocated VNI came from, or why none was. */
type Allocation = 'reused' | 'fresh' | 'exhausted';

/**
 * The VNI pool: 1..max (24 bits: the flows tag a VPC with its VNI and its gateway MAC carries it
 * in three bytes). A VNI is taken in the transaction that writes its VPC and freed in the one that
 * deletes it, so a refused request (rolled back) burns none and a deleted VPC's is reused, lowest
 * first. Allocation costs two statements: the lowest freed VNI (`vni_free`, skipping rows another
 * transaction is taking), else the next never-used one (`vni_pool`, one row: concurrent creates
 * queue on it until commit). `uq_vpcs_vni` stays as the last guard. Safe for concurrent northd.
 */
export class VniPool {
  private readonly allocations: Counter<'result'>;

  constructor(
    readonly max: number,
    registry: Registry,
  ) {
    this.allocations = new Counter({
      name: 'northd_vni_allocations_total',
      help: 'VNI allocations for new VPCs: reused (freed by a delete), fresh, or exhausted (refused).',
      labelNames: ['result'],
      registers: [registry],
    });
    for (const result of ['reused', 'fresh', 'exhausted']) this.allocations.inc({ result }, 0);
  }

  /** A free VNI, taken in `tx`; RESOURCE_EXHAUSTED when the pool has none. */
  async allocate(tx: Queryable): Promise<number> {
    const [freed] = await tx.query<{ vni: number }>(
      'SELECT vni FROM vni_free WHERE vni <= ? ORDER BY vni LIMIT 1 FOR UPDATE SKIP LOCKED',
      [this.max],
    );
    if (freed) {
      await tx.execute('DELETE FROM vni_free WHERE vni = ?', [freed.vni]);
      this.count('reused');
      return Number(freed.vni);
    }
    // LAST_INSERT_ID(expr) hands the value taken back in the statement's own reply.
    const { affectedRows, insertId } = await tx.execute(
      'UPDATE vni_pool SET next_vni = LAST_INSERT_ID(next_vni) + 1 WHERE id = 1 AND next_vni <= ?',
      [this.max],
    );
    if (affectedRows === 0) {
      this.count('exhausted');
      throw new RpcError(
        Status.RESOURCE_EXHAUSTED,
        `no VNI is free: all of 1..${this.max} belong to VPCs; delete a VPC to free one`,
      );
    }
    this.count('fresh');
    return insertId;
  }

  /** Returns a deleted VPC's VNI to the pool, in the transaction that deletes it. */
  async release(tx: Queryable, vni: number): Promise<void> {
    await tx.execute('INSERT IGNORE INTO vni_free (vni) VALUES (?)', [vni]);
  }

  private count(result: Allocation): void {
    this.allocations.inc({ result });
  }
}
