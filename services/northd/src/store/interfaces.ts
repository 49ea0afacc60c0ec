import { InterfaceStatus, type Interface } from '@vpcd/api';
import { isDbError, type DbError, type Queryable } from '@vpcd/db';
import { checkPort } from '@vpcd/flows';
import { invalidArgument, RpcError, Status } from '@vpcd/rpc';
import { formatIpv4, gatewayOf, parseCidr, parseIpv4, type Cidr } from '../validation/ipv4.js';
import { randomMac } from '../validation/mac.js';
import { checkInterfaceIp } from '../validation/requests.js';
import { bumpChassis, chassisOfVpc } from './generations.js';
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
  applied_generation: number;
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
    // Derived, never stored: FAILED while its chassis' last applied state left it out, else
    // ACTIVE once the chassis applied a generation that includes it.
    status:
      rejection !== undefined
        ? InterfaceStatus.INTERFACE_STATUS_FAILED
        : Number(row.applied_generation) >= Number(row.generation)
          ? InterfaceStatus.INTERFACE_STATUS_ACTIVE
          : InterfaceStatus.INTERFACE_STATUS_PENDING,
    statusReason: rejection ?? '',
    generation: Number(row.generation),
    createTime: row.create_time,
  };
}

const select = `SELECT i.id, i.vpc_id, i.chassis_id, i.name, i.ip, i.mac, i.generation, i.create_time,
  c.applied_generation, c.rejected_ports FROM interfaces i JOIN chassis c ON c.id = i.chassis_id JOIN vpcs v ON v.id = i.vpc_id`;

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
   * Allocates, writes and schedules an interface in one transaction. The VPC row is locked
   * first: IPAM in a VPC is serialised, and the unique keys decide what locks cannot. Then the
   * project's quota row, under which its quotas are counted, which serialises the creates of a
   * project (in all its VPCs) from there to the commit. The chassis rows are locked last
   * (see bumpChassis): every write in a VPC that shares a chassis waits for them, so after them
   * come only the per-chassis limit's count, the insert and the commit.
   * Returns the interface, PENDING: its chassis cannot have acknowledged a generation that is
   * not committed yet.
   */
  async create(
    tx: Queryable,
    input: NewInterface,
    projectId: string | undefined,
    limits: InterfaceLimits,
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
    await tx.execute('UPDATE vpcs SET generation = generation + 1 WHERE id = ?', [input.vpcId]);
    const affected = await chassisOfVpc(tx, input.vpcId, input.chassisId);
    // Every create in the project waits for this row: it is taken as late as the count allows.
    const quota = await limits.quotas.lock(tx, vpc.project_id);
    const vpcInterfaces = await limits.quotas.checkNewInterface(
      tx,
      vpc.project_id,
      input.vpcId,
      quota,
    );
    const generation = await bumpChassis(tx, affected, input.chassisId);
    await checkChassisPorts(
      tx,
      { vpcId: input.vpcId, chassisId: input.chassisId, vpcInterfaces },
      affected,
      limits.chassisMaxStatePorts,
    );
    for (let attempt = 0; ; attempt++) {
      try {
        await tx.execute(
          `INSERT INTO interfaces (id, vpc_id, chassis_id, name, ip, mac, generation, create_time)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          [input.id, input.vpcId, input.chassisId, input.name, ip, mac, generation, vpc.now],
        );
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
   * Deletes an interface, returns its address to the VPC's free list and schedules its chassis
   * and peers; the chassis rows are locked last.
   */
  async delete(
    tx: Queryable,
    id: string,
    projectId: string | undefined,
    ips: IpPool,
  ): Promise<void> {
    const found = await interfaceStore.get(tx, id, projectId);
    const vpc = await vpcStore.lockForInterfaces(tx, found.vpcId, projectId, found.chassisId);
    await tx.execute('DELETE FROM interfaces WHERE id = ?', [id]);
    await ips.release(tx, found.vpcId, parseCidr(vpc.cidr) as Cidr, parseIpv4(found.ip)!);
    await tx.execute('UPDATE vpcs SET generation = generation + 1 WHERE id = ?', [found.vpcId]);
    const affected = await chassisOfVpc(tx, found.vpcId, found.chassisId);
    await bumpChassis(tx, affected, found.chassisId);
  },
};
