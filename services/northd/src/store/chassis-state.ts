import type { ChassisState, PortState, RemotePortState, VpcState } from '@vpcd/api';
import type { Database, Queryable } from '@vpcd/db';
import { formatIpv4, gatewayOf, parseCidr, type Cidr } from '../validation/ipv4.js';

interface HeadRow {
  id: string;
  epoch: number | null;
}
interface PortRow {
  id: string;
  vpc_id: string;
  chassis_id: string;
  name: string;
  ip: number;
  mac: string;
  vni: number;
  cidr: string;
}
interface RemoteRow {
  id: string;
  vpc_id: string;
  chassis_id: string;
  ip: number;
  mac: string;
  underlay_ip: string;
  for_chassis: string;
}

/**
 * The full desired state of each of `chassisIds`, in exactly three queries whatever their size,
 * read from one snapshot (REPEATABLE READ). Each state has its lease's epoch, generation 0 and
 * no changes: it is in no chain (the owner's reconciler numbers what it sends). Unknown ids are
 * absent from the result.
 */
export async function loadChassisStates(
  db: Database,
  chassisIds: readonly string[],
): Promise<Map<string, ChassisState>> {
  if (chassisIds.length === 0) return new Map();
  return db.transaction((tx) => readChassisStates(tx, chassisIds), {
    isolation: 'REPEATABLE READ',
  });
}

/** loadChassisStates in the caller's transaction, which gives the snapshot. */
export async function readChassisStates(
  tx: Queryable,
  chassisIds: readonly string[],
): Promise<Map<string, ChassisState>> {
  const states = new Map<string, ChassisState>();
  if (chassisIds.length === 0) return states;
  const ids = [...chassisIds];
  const list = ids.map(() => '?').join(', ');
  const heads = await tx.query<HeadRow>(
    `SELECT c.id, l.epoch FROM chassis c LEFT JOIN chassis_leases l ON l.chassis_id = c.id
         WHERE c.id IN (${list})`,
    ids,
  );
  const ports = await tx.query<PortRow>(
    `SELECT i.id, i.vpc_id, i.chassis_id, i.name, i.ip, i.mac, v.vni, v.cidr
         FROM interfaces i JOIN vpcs v ON v.id = i.vpc_id WHERE i.chassis_id IN (${list})`,
    ids,
  );
  // The VPCs of each chassis from vpc_chassis, then their interfaces on other chassis.
  const remotes = await tx.query<RemoteRow>(
    `SELECT i.id, i.vpc_id, i.chassis_id, i.ip, i.mac, c.underlay_ip, l.chassis_id AS for_chassis
         FROM vpc_chassis l
         JOIN interfaces i ON i.vpc_id = l.vpc_id AND i.chassis_id <> l.chassis_id
         JOIN chassis c ON c.id = i.chassis_id
         WHERE l.chassis_id IN (${list})`,
    ids,
  );
  const vpcsOf = new Map<string, Map<string, VpcState>>();
  for (const head of heads) {
    states.set(head.id, {
      chassisId: head.id,
      epoch: Number(head.epoch ?? 0),
      generation: 0,
      vpcs: [],
      ports: [],
      remotePorts: [],
      changes: [],
    });
    vpcsOf.set(head.id, new Map());
  }
  for (const row of ports) {
    const state = states.get(row.chassis_id);
    if (!state) continue;
    const port: PortState = {
      interfaceId: row.id,
      vpcId: row.vpc_id,
      name: row.name,
      ip: formatIpv4(row.ip),
      mac: row.mac,
    };
    state.ports.push(port);
    const vpcs = vpcsOf.get(row.chassis_id)!;
    if (!vpcs.has(row.vpc_id)) {
      const cidr = parseCidr(row.cidr) as Cidr;
      vpcs.set(row.vpc_id, {
        vpcId: row.vpc_id,
        vni: row.vni,
        cidr: row.cidr,
        gatewayIp: formatIpv4(gatewayOf(cidr)),
      });
    }
  }
  for (const row of remotes) {
    const remote: RemotePortState = {
      interfaceId: row.id,
      vpcId: row.vpc_id,
      ip: formatIpv4(row.ip),
      mac: row.mac,
      chassisId: row.chassis_id,
      underlayIp: row.underlay_ip,
    };
    states.get(row.for_chassis)?.remotePorts.push(remote);
  }
  for (const [id, state] of states) {
    state.vpcs.push(...vpcsOf.get(id)!.values());
    state.vpcs.sort((a, b) => a.vpcId.localeCompare(b.vpcId));
    state.ports.sort((a, b) => a.interfaceId.localeCompare(b.interfaceId));
    state.remotePorts.sort((a, b) => a.interfaceId.localeCompare(b.interfaceId));
  }
  return states;
}
