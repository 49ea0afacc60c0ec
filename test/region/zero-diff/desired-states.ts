import type { ChassisState, RemotePortState } from '@vpcd/api';
import type { Database } from '@vpcd/db';

/** What the database says a chassis must hold: its state, and the generation that is. */
export interface DesiredChassis {
  readonly state: ChassisState;
  readonly desiredGeneration: number;
  /** Change rows not yet acknowledged: the chassis is behind while there are any. */
  readonly pendingChanges: number;
  /** The content hash the chassis acknowledged last ('' before any): of the state it holds. */
  readonly reportedContentHash: string;
}

interface ChassisRow {
  id: string;
  underlay_ip: string;
  epoch: number;
  desired_generation: number;
  pending_changes: number;
  content_hash: string | null;
}
interface InterfaceRow {
  id: string;
  vpc_id: string;
  chassis_id: string;
  name: string;
  ip: string;
  mac: string;
  vni: number;
  cidr: string;
}

/** The gateway of a VPC is the first host address of its CIDR. */
function gatewayOf(cidr: string): string {
  const [address] = cidr.split('/');
  const n = address!.split('.').reduce((v, part) => v * 256 + Number(part), 0) + 1;
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Every chassis' desired state rebuilt from the tables, from one snapshot, without northd's
 * code: a chassis holds its own interfaces as ports, the VPCs of those, and as remote ports
 * every interface on another chassis in one of those VPCs. Rebuilt apart from northd's
 * loadChassisStates on purpose, so a mistake there shows as a diff instead of being repeated.
 */
export async function readDesiredStates(db: Database): Promise<Map<string, DesiredChassis>> {
  const { chassis, interfaces } = await db.transaction(
    async (tx) => ({
      chassis: await tx.query<ChassisRow>(
        `SELECT c.id, c.underlay_ip, COALESCE(l.epoch, 0) AS epoch,
           GREATEST(COALESCE(s.applied_seq, 0),
             COALESCE((SELECT MAX(x.seq) FROM chassis_changes x WHERE x.chassis_id = c.id), 0))
             AS desired_generation,
           (SELECT COUNT(*) FROM chassis_changes x WHERE x.chassis_id = c.id) AS pending_changes,
           s.content_hash
         FROM chassis c LEFT JOIN chassis_leases l ON l.chassis_id = c.id
         LEFT JOIN chassis_status s ON s.chassis_id = c.id`,
      ),
      interfaces: await tx.query<InterfaceRow>(
        `SELECT i.id, i.vpc_id, i.chassis_id, i.name, INET_NTOA(i.ip) AS ip, i.mac, v.vni, v.cidr
         FROM interfaces i JOIN vpcs v ON v.id = i.vpc_id`,
      ),
    }),
    { isolation: 'REPEATABLE READ' },
  );
  const underlay = new Map(chassis.map((c) => [c.id, c.underlay_ip]));
  const byVpc = new Map<string, InterfaceRow[]>();
  for (const i of interfaces) byVpc.set(i.vpc_id, [...(byVpc.get(i.vpc_id) ?? []), i]);
  const states = new Map<string, DesiredChassis>();
  for (const c of chassis) {
    const local = interfaces.filter((i) => i.chassis_id === c.id);
    const vpcIds = [...new Set(local.map((i) => i.vpc_id))];
    const remotePorts: RemotePortState[] = vpcIds.flatMap((vpcId) =>
      byVpc
        .get(vpcId)!
        .filter((i) => i.chassis_id !== c.id)
        .map((i) => ({
          interfaceId: i.id,
          vpcId,
          ip: i.ip,
          mac: i.mac,
          chassisId: i.chassis_id,
          underlayIp: underlay.get(i.chassis_id)!,
        })),
    );
    states.set(c.id, {
      desiredGeneration: Number(c.desired_generation),
      pendingChanges: Number(c.pending_changes),
      reportedContentHash: c.content_hash ?? '',
      state: {
        chassisId: c.id,
        epoch: Number(c.epoch),
        generation: Number(c.desired_generation),
        changes: [],
        vpcs: vpcIds.map((vpcId) => {
          const row = byVpc.get(vpcId)![0]!;
          return { vpcId, vni: Number(row.vni), cidr: row.cidr, gatewayIp: gatewayOf(row.cidr) };
        }),
        ports: local.map((i) => ({
          interfaceId: i.id,
          vpcId: i.vpc_id,
          name: i.name,
          ip: i.ip,
          mac: i.mac,
        })),
        remotePorts,
      },
    });
  }
  return states;
}
