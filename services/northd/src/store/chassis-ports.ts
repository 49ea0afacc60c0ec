import type { Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';

/**
 * Refuses a new interface of `vpcId` on `chassisId` when it would take any chassis' state past
 * `maxPorts` ports. A state holds its chassis' interfaces and every other interface of the VPCs
 * present there (remote ports), so the new interface adds one port to each chassis of the VPC,
 * and to its own chassis, when the VPC is new there, also every interface the VPC has.
 *
 * Call with the rows of `affected` (that chassis and every chassis of the VPC) locked: every
 * write that changes one of their states locks its row (see bumpChassis), and the default
 * isolation, READ COMMITTED, has each statement read what is committed, so the count is exact.
 */
export async function checkChassisPorts(
  tx: Queryable,
  input: { vpcId: string; chassisId: string; vpcInterfaces: number },
  affected: readonly string[],
  maxPorts: number,
): Promise<void> {
  const rows = await tx.query<{ chassis_id: string; ports: number; has_vpc: number }>(
    `SELECT l.chassis_id, COUNT(*) AS ports, MAX(l.vpc_id = ?) AS has_vpc
     FROM (SELECT DISTINCT chassis_id, vpc_id FROM interfaces WHERE chassis_id IN (?)) l
     JOIN interfaces i ON i.vpc_id = l.vpc_id
     GROUP BY l.chassis_id`,
    [input.vpcId, affected],
  );
  const counted = new Map(rows.map((r) => [r.chassis_id, r]));
  for (const id of affected) {
    const row = counted.get(id);
    const ports = Number(row?.ports ?? 0);
    const hasVpc = Number(row?.has_vpc ?? 0) === 1;
    const after = ports + 1 + (id === input.chassisId && !hasVpc ? input.vpcInterfaces : 0);
    if (after > maxPorts) {
      throw new RpcError(
        Status.RESOURCE_EXHAUSTED,
        `chassis limit: the state of chassis ${id} would hold ${after} ports (its interfaces ` +
          `and the remote interfaces of its VPCs), past the per-chassis limit of ${maxPorts}`,
      );
    }
  }
}
