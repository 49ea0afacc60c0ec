import type { Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';
import { Counter, type Registry } from 'prom-client';
import { type Cidr } from '../validation/ipv4.js';

/** How an interface got its address, or why it got none. */
type Allocation = 'lowest' | 'requested' | 'exhausted';

/** Why a VPC's free list was built again from its interfaces. */
type RebuildReason = 'missing' | 'stale';

interface FreeRange {
  first_ip: number;
  last_ip: number;
}

/**
 * The first_ip of the row that marks a VPC's free list as kept (a range 0-0, which no VPC can
 * hold: its first host address is its network address + 2). A VPC without it has rows written
 * around the API; one with it and no range is full.
 */
const keptMarker = 0;

/** The addresses IPAM may hand out in `cidr`: all but network, gateway (first host), broadcast. */
export function hostRange(cidr: Cidr): { first: number; last: number } {
  return { first: cidr.first + 2, last: cidr.last - 1 };
}

/**
 * Per-VPC IPAM whose cost does not grow with the VPC: `vpc_ip_free` holds the VPC's free
 * addresses as disjoint ranges (a new VPC has one, its whole host range; a delete gives its
 * address back and merges it with its neighbours). Allocation takes the lowest address of the
 * lowest range, a request for a given address carves it out of the range holding it; each is
 * one indexed read of at most one row and one write. Every statement touches only rows of the
 * VPC, and the caller holds the VPC's row lock (vpcStore.lockForInterfaces), which serialises
 * IPAM in a VPC across northd; `uq_interfaces_vpc_ip` remains the last guard.
 *
 * The free list can be wrong only if rows are written around the API: it is then built again
 * from the VPC's interfaces (once, in the allocating transaction; counted), see rebuild. A VPC
 * written around the API has no free list, not even its marker row (keptMarker), and gets one at
 * its first allocation; a full VPC keeps the marker, so refusing costs one more indexed read.
 */
export class IpPool {
  private readonly allocations: Counter<'result'>;
  private readonly rebuilds: Counter<'reason'>;

  constructor(registry: Registry) {
    this.allocations = new Counter({
      name: 'northd_ip_allocations_total',
      help: 'Interface addresses taken: lowest (IPAM chose), requested (the caller chose), or exhausted (refused: the VPC is full).',
      labelNames: ['result'],
      registers: [registry],
    });
    this.rebuilds = new Counter({
      name: 'northd_ip_free_list_rebuilds_total',
      help: 'VPC free lists built again from their interfaces because rows were written around the API: missing (the VPC had none) or stale (it named a taken address).',
      labelNames: ['reason'],
      registers: [registry],
    });
    for (const result of ['lowest', 'requested', 'exhausted']) this.allocations.inc({ result }, 0);
    for (const reason of ['missing', 'stale']) this.rebuilds.inc({ reason }, 0);
  }

  /** Gives a new VPC its whole host range; in the transaction that inserts the VPC. */
  async createFor(tx: Queryable, vpcId: string, cidr: Cidr): Promise<void> {
    const hosts = hostRange(cidr);
    await insertRange(tx, vpcId, keptMarker, keptMarker);
    await insertRange(tx, vpcId, hosts.first, hosts.last);
  }

  /**
   * Takes the lowest free address of the VPC, or RESOURCE_EXHAUSTED. The caller holds the VPC's
   * row lock. A VPC without a free list (rows written around the API) gets one first.
   */
  async allocate(tx: Queryable, vpcId: string, cidr: Cidr): Promise<number> {
    let [range] = await lowestRange(tx, vpcId);
    if (range === undefined && !(await isKept(tx, vpcId))) {
      await this.rebuild(tx, vpcId, cidr, 'missing');
      [range] = await lowestRange(tx, vpcId);
    }
    if (range === undefined) {
      this.count('exhausted');
      throw new RpcError(
        Status.RESOURCE_EXHAUSTED,
        `vpc ${vpcId} (${cidr.text}) has no free address`,
      );
    }
    const ip = Number(range.first_ip);
    await carve(tx, vpcId, range, ip);
    this.count('lowest');
    return ip;
  }

  /**
   * Takes `ip`, which the caller chose and checkInterfaceIp accepted, out of the free list if
   * it is there. Whether it is taken is left to `uq_interfaces_vpc_ip`, which is right even
   * when the free list is not.
   */
  async claim(tx: Queryable, vpcId: string, ip: number): Promise<void> {
    const [range] = await tx.query<FreeRange>(
      `SELECT first_ip, last_ip FROM vpc_ip_free WHERE vpc_id = ? AND first_ip <= ?
       ORDER BY first_ip DESC LIMIT 1 FOR UPDATE`,
      [vpcId, ip],
    );
    if (range !== undefined && Number(range.last_ip) >= ip) await carve(tx, vpcId, range, ip);
    this.count('requested');
  }

  /**
   * Returns a deleted interface's address, merged with the free ranges beside it; in the
   * transaction that deletes it, under the VPC's row lock. Addresses outside the host range
   * (rows written around the API) are never returned.
   */
  async release(tx: Queryable, vpcId: string, cidr: Cidr, ip: number): Promise<void> {
    const hosts = hostRange(cidr);
    if (ip < hosts.first || ip > hosts.last) return;
    const [below] = await tx.query<FreeRange>(
      `SELECT first_ip, last_ip FROM vpc_ip_free WHERE vpc_id = ? AND first_ip <= ?
       ORDER BY first_ip DESC LIMIT 1 FOR UPDATE`,
      [vpcId, ip],
    );
    if (below !== undefined && Number(below.last_ip) >= ip) return; // already free
    const [above] = await tx.query<FreeRange>(
      'SELECT first_ip, last_ip FROM vpc_ip_free WHERE vpc_id = ? AND first_ip = ? FOR UPDATE',
      [vpcId, ip + 1],
    );
    const joinsBelow = below !== undefined && Number(below.last_ip) === ip - 1;
    if (joinsBelow) {
      await setLast(tx, vpcId, Number(below.first_ip), above ? Number(above.last_ip) : ip);
      if (above) await removeRange(tx, vpcId, ip + 1);
    } else if (above) {
      await tx.execute('UPDATE vpc_ip_free SET first_ip = ? WHERE vpc_id = ? AND first_ip = ?', [
        ip,
        vpcId,
        ip + 1,
      ]);
    } else {
      await insertRange(tx, vpcId, ip, ip);
    }
  }

  /**
   * Builds the VPC's free list again from its interfaces: one pass over its (vpc, ip) index,
   * so it costs what the VPC holds. Only for a free list that rows written around the API made
   * wrong: a VPC that had none (`missing`), or an allocation whose address was taken (`stale`).
   */
  async rebuild(tx: Queryable, vpcId: string, cidr: Cidr, reason: RebuildReason): Promise<void> {
    this.rebuilds.inc({ reason });
    const hosts = hostRange(cidr);
    await tx.execute('DELETE FROM vpc_ip_free WHERE vpc_id = ?', [vpcId]);
    await insertRange(tx, vpcId, keptMarker, keptMarker);
    await tx.execute(
      `INSERT INTO vpc_ip_free (vpc_id, first_ip, last_ip)
       SELECT ?, prev_ip + 1, ip - 1 FROM (
         SELECT ip, LAG(ip) OVER (ORDER BY ip) AS prev_ip FROM (
           SELECT ? AS ip UNION ALL SELECT ? UNION ALL
           SELECT ip FROM interfaces WHERE vpc_id = ? AND ip BETWEEN ? AND ?
         ) used
       ) gaps WHERE ip - prev_ip > 1`,
      [vpcId, hosts.first - 1, hosts.last + 1, vpcId, hosts.first, hosts.last],
    );
  }

  private count(result: Allocation): void {
    this.allocations.inc({ result });
  }
}

function lowestRange(tx: Queryable, vpcId: string): Promise<FreeRange[]> {
  return tx.query<FreeRange>(
    `SELECT first_ip, last_ip FROM vpc_ip_free WHERE vpc_id = ? AND first_ip > ?
     ORDER BY first_ip LIMIT 1 FOR UPDATE`,
    [vpcId, keptMarker],
  );
}

async function isKept(tx: Queryable, vpcId: string): Promise<boolean> {
  const rows = await tx.query('SELECT 1 FROM vpc_ip_free WHERE vpc_id = ? AND first_ip = ?', [
    vpcId,
    keptMarker,
  ]);
  return rows.length > 0;
}

/** Removes `ip` from `range`, which holds it: shrinks, splits or deletes the range. */
async function carve(tx: Queryable, vpcId: string, range: FreeRange, ip: number): Promise<void> {
  const first = Number(range.first_ip);
  const last = Number(range.last_ip);
  if (ip === first && ip === last) return removeRange(tx, vpcId, first);
  if (ip === first) {
    await tx.execute('UPDATE vpc_ip_free SET first_ip = ? WHERE vpc_id = ? AND first_ip = ?', [
      ip + 1,
      vpcId,
      first,
    ]);
    return;
  }
  await setLast(tx, vpcId, first, ip - 1);
  if (ip < last) await insertRange(tx, vpcId, ip + 1, last);
}

async function setLast(tx: Queryable, vpcId: string, first: number, last: number): Promise<void> {
  await tx.execute('UPDATE vpc_ip_free SET last_ip = ? WHERE vpc_id = ? AND first_ip = ?', [
    last,
    vpcId,
    first,
  ]);
}

async function removeRange(tx: Queryable, vpcId: string, first: number): Promise<void> {
  await tx.execute('DELETE FROM vpc_ip_free WHERE vpc_id = ? AND first_ip = ?', [vpcId, first]);
}

async function insertRange(
  tx: Queryable,
  vpcId: string,
  first: number,
  last: number,
): Promise<void> {
  await tx.execute('INSERT INTO vpc_ip_free (vpc_id, first_ip, last_ip) VALUES (?, ?, ?)', [
    vpcId,
    first,
    last,
  ]);
}
