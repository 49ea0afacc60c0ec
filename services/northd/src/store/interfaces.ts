import { InterfaceStatus, type Interface } from '@vpcd/api';
import { isDbError, type DbError, type Queryable } from '@vpcd/db';
import { checkPort } from '@vpcd/flows';
import { invalidArgument, RpcError, Status } from '@vpcd/rpc';
import { formatIpv4, gatewayOf, parseCidr, parseIpv4, type Cidr } from '../validation/ipv4.js';
import { randomMac } from '../validation/mac.js';
import { checkInterfaceIp } from '../validation/requests.js';
import { changeLog } from './change-log.js';
import { checkChassisPorts } from './chassis-ports.js';
import type { IpPool } from './ip-pool.js';
import { pageOf, type Page } from './pagination.js';
import type { QuotaStore } from './quotas.js';
import { vpcStore } from './vpcs.js';

interface InterfaceRow {
  id: string;
  vpc_id: string;
  chassis_id: string;
  name: string;
  ip: number;
  mac: string;
  generation: number;
  pending: number;
  rejected_ports: string | null;
  create_time: Date;
}

/** The last chassis' rejected ports parsed, so a page of one chassis parses its text once. */
let lastRejected: { text: string; byId: Record<string, string> } = { text: '', byId: {} };

/** Why the chassis left this interface out of its flows, if it did. */
function rejectionOf(row: InterfaceRow): string | undefined {
  const text = row.rejected_ports;
  if (text === null || text === '') return undefined;
  if (lastRejected.text !== text) {
    lastRejected = { text, byId: JSON.parse(text) as Record<string, string> };
  }
  return Object.hasOwn(lastRejected.byId, row.id) ? lastRejected.byId[row.id] : undefined;
}

function toInterface(row: InterfaceRow): Interface {
  const rejection = rejectionOf(row);
  return {
    id: row.id,
    vpcId: row.vpc_id,
    chassisId: row.chassis_id,
    name: row.name,
    ip: formatIpv4(row.ip),
    mac: row.mac,
    // Derived, never stored: PENDING while a change of it waits for its chassis, FAILED while
    // its chassis' last applied state left it out, else ACTIVE.
    status:
      Number(row.pending) === 1
        ? InterfaceStatus.INTERFACE_STATUS_PENDING
        : rejection !== undefined
          ? InterfaceStatus.INTERFACE_STATUS_FAILED
          : InterfaceStatus.INTERFACE_STATUS_ACTIVE,
    statusReason: rejection ?? '',
    generation: Number(row.generation),
    createTime: row.create_time,
  };
}

const select = `SELECT i.id, i.vpc_id, i.chassis_id, i.name, i.ip, i.mac, i.generation, i.create_time,
  ${changeLog.pendingExpression('i')} AS pending, s.rejected_ports
  FROM interfaces i JOIN vpcs v ON v.id = i.vpc_id
  LEFT JOIN chassis_status s ON s.chassis_id = i.chassis_id`;

function scoped(projectId: string | undefined): [string, unknown[]] {
  return projectId === undefined ? ['', []] : [' AND v.project_id = ?', [projectId]];
}

/**
 * Throws INVALID_ARGUMENT naming each field the flow compiler would refuse (the shared port
 * validator of @vpcd/flows), so no interface is written that its chassis would leave out.
 */
function refuseUnportable(
  input: NewInterface,
  ip: string,
  mac: string,
  vpc: { vpcId: string; vni: number; gatewayIp: string },
): void {
  const problems = checkPort({ interfaceId: input.id, vpcId: input.vpcId, ip, mac }, vpc);
  if (problems.length > 0) {
    throw invalidArgument(problems.map((p) => ({ field: p.field, description: p.message })));
  }
}

/** Which unique key of (vpc, name), (vpc, ip), (vpc, mac) a duplicate-key error hit. */
function takenField(err: DbError): 'name' | 'ip' | 'mac' {
  if (err.key?.includes('name')) return 'name';
  return err.key?.includes('ip') ? 'ip' : 'mac';
}

/**
 * ALREADY_EXISTS for a name, IP or MAC another interface of the VPC holds: the request is right
 * but the state refuses it, like a taken name (INVALID_ARGUMENT is for requests wrong whatever
 * the state). The message names the field.
 */
function alreadyExists(
  field: 'name' | 'ip' | 'mac',
  input: NewInterface,
  ip: string,
  mac: string,
): RpcError {
  const what = { name: `an interface named "${input.name}"`, ip: `ip ${ip}`, mac: `mac ${mac}` };
  const tail = field === 'name' ? 'exists in the VPC' : 'is in use in the VPC';
  return new RpcError(Status.ALREADY_EXISTS, `${what[field]} ${tail}`);
}

export interface NewInterface {
  id: string;
  vpcId: string;
  chassisId: string;
  name: string;
  ip: number | undefined;
  mac: string | undefined;
}

/** What limits a new interface: its VPC's free addresses, its project's quotas, chassis states. */
export interface InterfaceLimits {
  readonly ips: IpPool;
  readonly quotas: QuotaStore;
  readonly chassisMaxStatePorts: number;
}

export const interfaceStore = {
  /**
   * Allocates, writes and schedules an interface in one transaction, locking rows of its VPC
   * and its project's quota row only. The VPC row is locked first: IPAM, names, the VPC's
   * vpc_chassis rows and counters are serialised under it; the unique keys decide what locks
   * cannot. Then the project's quota row, under which its quotas are counted. The change rows
   * (one per chassis whose state the interface changes: its own and every chassis the VPC
   * spans) go in one statement; no chassis, lease or status row is touched.
   * Returns the interface, PENDING: its change rows are not even committed yet. `touched`
   * learns the chassis those rows name, for the change hint sent after the commit.
   */
  async create(
    tx: Queryable,
    input: NewInterface,
    projectId: string | undefined,
    limits: InterfaceLimits,
    touched?: (chassisIds: readonly string[]) => void,
  ): Promise<Interface> {
    const vpc = await vpcStore.lockForInterfaces(tx, input.vpcId, projectId, input.chassisId);
    const cidr = parseCidr(vpc.cidr) as Cidr;
    if (!vpc.chassisFound)
      throw new RpcError(Status.NOT_FOUND, `chassis ${input.chassisId} not found`);
    let ip: number;
    if (input.ip !== undefined) {
      checkInterfaceIp(input.ip, cidr);
      await limits.ips.claim(tx, input.vpcId, input.ip);
      ip = input.ip;
    } else {
      ip = await limits.ips.allocate(tx, input.vpcId, cidr);
    }
    // What the flows would refuse is refused here, before anything is written.
    const gatewayIp = formatIpv4(gatewayOf(cidr));
    let mac = input.mac ?? randomMac(); // a generated one is never in the gateways' range
    refuseUnportable(input, formatIpv4(ip), mac, { vpcId: input.vpcId, vni: vpc.vni, gatewayIp });
    const { affected, joins } = await chassisOfVpc(tx, input.vpcId, input.chassisId);
    // Every create in the project waits for this row: it is taken as late as the count allows.
    const quota = await limits.quotas.lock(tx, vpc.project_id);
    const vpcInterfaces = await limits.quotas.checkNewInterface(
      tx,
      vpc.project_id,
      input.vpcId,
      quota,
    );
    await checkChassisPorts(
      tx,
      { vpcId: input.vpcId, chassisId: input.chassisId, vpcInterfaces },
      affected,
      limits.chassisMaxStatePorts,
    );
    // The interface's own chassis first: its row's seq is the interface's generation.
    const generation = await changeLog.record(
      tx,
      { vpcId: input.vpcId, interfaceId: input.id, portChassisId: input.chassisId },
      affected,
      { joins },
    );
    touched?.(affected);
    for (let attempt = 0; ; attempt++) {
      try {
        await tx.execute(
          `INSERT INTO interfaces (id, vpc_id, chassis_id, name, ip, mac, generation, create_time)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [input.id, input.vpcId, input.chassisId, input.name, ip, mac, generation, vpc.now],
        );
        break;
      } catch (err) {
        if (!isDbError(err) || err.kind !== 'duplicate' || attempt >= 5) throw err;
        const taken = takenField(err);
        if (taken === 'ip' && input.ip === undefined && attempt === 0) {
          // IPAM chose an address that a row written around the API holds: its free list is
          // wrong, so it is built again and the next free address is tried, once.
          await limits.ips.rebuild(tx, input.vpcId, cidr, 'stale');
          ip = await limits.ips.allocate(tx, input.vpcId, cidr);
        } else if (taken === 'mac' && input.mac === undefined) {
          mac = randomMac(); // a generated MAC collided: try another, five times at most
        } else {
          throw alreadyExists(taken, input, formatIpv4(ip), mac);
        }
      }
    }
    await countPort(tx, input.vpcId, input.chassisId, +1);
    return {
      id: input.id,
      vpcId: input.vpcId,
      chassisId: input.chassisId,
      name: input.name,
      ip: formatIpv4(ip),
      mac,
      status: InterfaceStatus.INTERFACE_STATUS_PENDING,
      statusReason: '',
      generation,
      createTime: vpc.now,
    };
  },

  async get(db: Queryable, id: string, projectId: string | undefined): Promise<Interface> {
    const [where, params] = scoped(projectId);
    const [row] = await db.query<InterfaceRow>(`${select} WHERE i.id = ?${where}`, [id, ...params]);
    if (!row) throw new RpcError(Status.NOT_FOUND, `interface ${id} not found`);
    return toInterface(row);
  },

  async list(
    db: Queryable,
    filter: { vpcId?: string; chassisId?: string },
    projectId: string | undefined,
    page: Page,
  ): Promise<{ interfaces: Interface[]; next: string }> {
    const [where, params] = scoped(projectId);
    const [field, value] = filter.vpcId
      ? ['i.vpc_id', filter.vpcId]
      : ['i.chassis_id', filter.chassisId];
    const rows = await db.query<InterfaceRow>(
      `${select} WHERE ${field} = ? AND i.id > ?${where} ORDER BY i.id LIMIT ?`,
      [value, page.after, ...params, page.limit + 1],
    );
    const { rows: kept, next } = pageOf(rows, page);
    return { interfaces: kept.map(toInterface), next };
  },

  /**
   * Deletes an interface, returns its address to the VPC's free list and records a change for
   * its chassis and every chassis the VPC spans; like a create, it locks rows of its VPC only.
   * `touched` learns the chassis those rows name.
   */
  async delete(
    tx: Queryable,
    id: string,
    projectId: string | undefined,
    ips: IpPool,
    touched?: (chassisIds: readonly string[]) => void,
  ): Promise<void> {
    const found = await interfaceStore.get(tx, id, projectId);
    const vpc = await vpcStore.lockForInterfaces(tx, found.vpcId, projectId, found.chassisId);
    const { affectedRows } = await tx.execute('DELETE FROM interfaces WHERE id = ?', [id]);
    // Deleted meanwhile by another call, which counted it out already.
    if (affectedRows === 0) throw new RpcError(Status.NOT_FOUND, `interface ${id} not found`);
    await ips.release(tx, found.vpcId, parseCidr(vpc.cidr) as Cidr, parseIpv4(found.ip)!);
    const { affected } = await chassisOfVpc(tx, found.vpcId, found.chassisId);
    await changeLog.record(
      tx,
      { vpcId: found.vpcId, interfaceId: id, portChassisId: found.chassisId },
      affected,
    );
    touched?.(affected);
    await countPort(tx, found.vpcId, found.chassisId, -1);
  },
};

/**
 * The chassis whose states change when an interface of `vpcId` on `chassisId` appears or goes:
 * that chassis (first) and every chassis the VPC spans; `joins` when the VPC does not span
 * `chassisId` yet. Read from vpc_chassis under the VPC's row lock, which every writer of those
 * rows holds, so the set cannot change before commit.
 */
async function chassisOfVpc(
  tx: Queryable,
  vpcId: string,
  chassisId: string,
): Promise<{ affected: string[]; joins: boolean }> {
  const rows = await tx.query<{ chassis_id: string }>(
    'SELECT chassis_id FROM vpc_chassis WHERE vpc_id = ?',
    [vpcId],
  );
  const others = rows.map((r) => r.chassis_id).filter((c) => c !== chassisId);
  return { affected: [chassisId, ...others], joins: others.length === rows.length };
}

/**
 * Counts a port in (+1) or out (-1) of the VPC on `chassisId`: its vpc_chassis row (gone at
 * zero) and the VPC's interface count and generation. Rows of the VPC only, under its lock.
 */
async function countPort(
  tx: Queryable,
  vpcId: string,
  chassisId: string,
  delta: 1 | -1,
): Promise<void> {
  if (delta > 0) {
    await tx.execute(
      `INSERT INTO vpc_chassis (vpc_id, chassis_id, ports) VALUES (?, ?, 1)
       ON DUPLICATE KEY UPDATE ports = ports + 1`,
      [vpcId, chassisId],
    );
  } else {
    await tx.execute(
      'UPDATE vpc_chassis SET ports = ports - 1 WHERE vpc_id = ? AND chassis_id = ? AND ports > 0',
      [vpcId, chassisId],
    );
    await tx.execute('DELETE FROM vpc_chassis WHERE vpc_id = ? AND chassis_id = ? AND ports = 0', [
      vpcId,
      chassisId,
    ]);
  }
  await tx.execute(
    `UPDATE vpcs SET generation = generation + 1,
       interface_count = GREATEST(CAST(interface_count AS SIGNED) + ?, 0) WHERE id = ?`,
    [delta, vpcId],
  );
}

/**
 * Rebuilds vpc_chassis and vpcs.interface_count from the interfaces table, for rows written
 * around the API (tests, benches, hand repairs); the API keeps them itself. Locks every VPC's
 * rows it touches: not for use while API writes run.
 */
export async function recountInterfaces(db: Queryable): Promise<void> {
  await db.execute(
    `INSERT INTO vpc_chassis (vpc_id, chassis_id, ports)
     SELECT vpc_id, chassis_id, COUNT(*) FROM interfaces GROUP BY vpc_id, chassis_id
     ON DUPLICATE KEY UPDATE ports = VALUES(ports)`,
  );
  await db.execute(
    `DELETE vc FROM vpc_chassis vc WHERE NOT EXISTS (SELECT 1 FROM interfaces i
       WHERE i.vpc_id = vc.vpc_id AND i.chassis_id = vc.chassis_id)`,
  );
  await db.execute(
    'UPDATE vpcs v SET interface_count = (SELECT COUNT(*) FROM interfaces i WHERE i.vpc_id = v.id)',
  );
}
