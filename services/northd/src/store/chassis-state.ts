import type { ChassisState, PortState, RemotePortState, VpcState } from '@vpcd/api';
import type { Database } from '@vpcd/db';
import { formatIpv4, gatewayOf, parseCidr, type Cidr } from '../validation/ipv4.js';

interface HeadRow {
  id: string;
  epoch: number;
  desired_generation: number;
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
 * read from one snapshot (REPEATABLE READ), so each state is exactly its generation's content.
 * Unknown ids are absent from the result.
 */
export async function loadChassisStates(
  db: Database,
  chassisIds: readonly string[],
): Promise<Map<string, ChassisState>> {
  const states = new Map<string, ChassisState>();
  if (chassisIds.length === 0) return states;
  const ids = [...chassisIds];
  const list = ids.map(() => '?').join(', ');
  return db.transaction(
    async (tx) => {
      const heads = await tx.query<HeadRow>(
        `SELECT id, epoch, desired_generation FROM chassis WHERE id IN (${list})`,
        ids,
      );
      const ports = await tx.query<PortRow>(
        `SELECT i.id, i.vpc_id, i.chassis_id, i.name, i.ip, i.mac, v.vni, v.cidr
         FROM interfaces i JOIN vpcs v ON v.id = i.vpc_id WHERE i.chassis_id IN (${list})`,
        ids,
      );
      const remotes = await tx.query<RemoteRow>(
        `SELECT i.id, i.vpc_id, i.chassis_id, i.ip, i.mac, c.underlay_ip, l.chassis_id AS for_chassis
         FROM (SELECT DISTINCT chassis_id, vpc_id FROM interfaces WHERE chassis_id IN (${list})) l
         JOIN interfaces i ON i.vpc_id = l.vpc_id AND i.chassis_id <> l.chassis_id
         JOIN chassis c ON c.id = i.chassis_id`,
        ids,
      );
      const vpcsOf = new Map<string, Map<string, VpcState>>();
      for (const head of heads) {
        states.set(head.id, {
          chassisId: head.id,
          epoch: Number(head.epoch),
          generation: Number(head.desired_generation),
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
    },
    { isolation: 'REPEATABLE READ' },
  );
}
