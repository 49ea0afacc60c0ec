import type { Queryable } from '@vpcd/db';

/** How the lease table stands for one instance, on the database's clock. */
export interface LeaseCounts {
  /** Live northd members (at least this one after `join`). */
  readonly members: number;
  /** Registered chassis. */
  readonly total: number;
  /** Live leases this instance holds. */
  readonly mine: number;
  /** Microseconds until another instance's first live lease lapses; null when none. */
  readonly foreignLapseUs: number | null;
}

/**
 * Chassis leases and northd membership: every statement on `chassis_leases` and
 * `northd_members` is here. A lease row is apart from the chassis' registration and applied
 * status, so a renewal, which updates every lease an instance holds in one statement, locks
 * lease rows only: no API write, ack or heartbeat waits for it. A chassis registered since the
 * last claim has no lease row yet; `claim` makes it.
 */
export const leaseStore = {
  /** Records this instance as a live member until now + `ttlMs`. */
  async join(tx: Queryable, northdId: string, ttlMs: number): Promise<void> {
    await tx.execute(
      `INSERT INTO northd_members (id, expires_at) VALUES (?, NOW(3) + INTERVAL ? MICROSECOND)
       ON DUPLICATE KEY UPDATE expires_at = VALUES(expires_at)`,
      [northdId, ttlMs * 1000],
    );
  },

  /** Extends every live lease of `northdId` to now + `ttlMs`; one statement on its index. */
  async renew(tx: Queryable, northdId: string, ttlMs: number): Promise<void> {
    await tx.execute(
      `UPDATE chassis_leases SET expires_at = NOW(3) + INTERVAL ? MICROSECOND
       WHERE owner = ? AND expires_at > NOW(3)`,
      [ttlMs * 1000, northdId],
    );
  },

  /**
   * Takes every live lease of `northdId` again at the next epoch, extended to now + `ttlMs`: for
   * an instance that stopped acting on them (a restart, a lapse of its local validity).
   */
  async reclaim(tx: Queryable, northdId: string, ttlMs: number): Promise<void> {
    await tx.execute(
      `UPDATE chassis_leases SET epoch = epoch + 1, expires_at = NOW(3) + INTERVAL ? MICROSECOND
       WHERE owner = ? AND expires_at > NOW(3)`,
      [ttlMs * 1000, northdId],
    );
  },

  async counts(tx: Queryable, northdId: string): Promise<LeaseCounts> {
    const [row] = await tx.query<{
      members: number;
      total: number;
      mine: number;
      foreign_lapse_us: number | null;
    }>(
      `SELECT (SELECT COUNT(*) FROM northd_members WHERE expires_at > NOW(3)) AS members,
              (SELECT COUNT(*) FROM chassis) AS total,
              (SELECT COUNT(*) FROM chassis_leases WHERE owner = ? AND expires_at > NOW(3)) AS mine,
              (SELECT TIMESTAMPDIFF(MICROSECOND, NOW(3), MIN(expires_at)) FROM chassis_leases
                WHERE owner <> ? AND expires_at > NOW(3)) AS foreign_lapse_us`,
      [northdId, northdId],
    );
    return {
      members: Number(row!.members),
      total: Number(row!.total),
      mine: Number(row!.mine),
      foreignLapseUs: row!.foreign_lapse_us === null ? null : Number(row!.foreign_lapse_us),
    };
  },

  /**
   * Takes unowned chassis up to `fairGap`, and every lapsed lease whatever the share (a dead
   * instance's chassis must not wait for its membership to expire too), each at the next epoch
   * (the fencing token). Chassis without a lease row get one first. Returns how many it took.
   */
  async claim(tx: Queryable, northdId: string, fairGap: number, ttlMs: number): Promise<number> {
    // READ COMMITTED: the read of `chassis` is a consistent read, which locks no chassis row.
    await tx.execute(
      `INSERT IGNORE INTO chassis_leases (chassis_id)
       SELECT c.id FROM chassis c
       WHERE NOT EXISTS (SELECT 1 FROM chassis_leases l WHERE l.chassis_id = c.id)`,
    );
    const candidates = await tx.query<{ id: string; lapsed: number }>(
      `SELECT chassis_id AS id, owner IS NOT NULL AS lapsed FROM chassis_leases
       WHERE owner IS NULL OR expires_at <= NOW(3)
       ORDER BY chassis_id LIMIT 10000 FOR UPDATE SKIP LOCKED`,
    );
    const picked = [
      ...candidates.filter((c) => !Number(c.lapsed)).slice(0, Math.max(0, fairGap)),
      ...candidates.filter((c) => Number(c.lapsed)),
    ].map((c) => c.id);
    if (picked.length === 0) return 0;
    const { affectedRows } = await tx.execute(
      `UPDATE chassis_leases SET owner = ?, epoch = epoch + 1,
         expires_at = NOW(3) + INTERVAL ? MICROSECOND
       WHERE chassis_id IN (?) AND (owner IS NULL OR expires_at <= NOW(3))`,
      [northdId, ttlMs * 1000, picked],
    );
    return affectedRows;
  },

  /** Hands back the leases of `ids` that `northdId` holds; returns how many. */
  async release(tx: Queryable, northdId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { affectedRows } = await tx.execute(
      'UPDATE chassis_leases SET owner = NULL, expires_at = NULL WHERE owner = ? AND chassis_id IN (?)',
      [northdId, ids],
    );
    return affectedRows;
  },

  /** Hands back every lease of `northdId` and ends its membership. */
  async leave(tx: Queryable, northdId: string): Promise<void> {
    await tx.execute('UPDATE chassis_leases SET owner = NULL, expires_at = NULL WHERE owner = ?', [
      northdId,
    ]);
    await tx.execute('DELETE FROM northd_members WHERE id = ?', [northdId]);
  },

  /** Chassis id -> epoch of every live lease of `northdId`. */
  async owned(tx: Queryable, northdId: string): Promise<Map<string, number>> {
    const rows = await tx.query<{ id: string; epoch: number }>(
      'SELECT chassis_id AS id, epoch FROM chassis_leases WHERE owner = ? AND expires_at > NOW(3)',
      [northdId],
    );
    return new Map(rows.map((r) => [r.id, Number(r.epoch)]));
  },

  /** Deletes memberships that ended an hour ago or more (the janitor's sweep). */
  async pruneMembers(db: Queryable): Promise<number> {
    const { affectedRows } = await db.execute(
      'DELETE FROM northd_members WHERE expires_at < NOW(3) - INTERVAL 1 HOUR',
    );
    return affectedRows;
  },
};
