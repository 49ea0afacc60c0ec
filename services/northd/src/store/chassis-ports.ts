import type { Queryable } from '@vpcd/db';
import { RpcError, Status } from '@vpcd/rpc';

/**
 * Refuses a new interface of `vpcId` on `chassisId` when it would take any chassis' state past
 * `maxPorts` ports. A state holds its chassis' interfaces and every other interface of the VPCs
 * present there (remote ports), so the new interface adds one port to each chassis of the VPC,
 * and to its own chassis, when the VPC is new there, also every interface the VPC has.
 *
 * Counts from the counters (vpc_chassis, vpcs.interface_count) with a consistent, non-locking
 * read: a create in VPC A locks rows of A only, so the counts of the other VPCs on a chassis are
 * what was committed when this reads them. Two creates in different VPCs on one chassis at once
 * may therefore each pass the limit by one; the limit keeps headroom under the transport's
 * maxChassisStateBytes for that, and a state refused for good is reported (refused_seq).
 * `affected`: every chassis the VPC spans (vpc_chassis), and `chassisId`.
 */
export async function checkChassisPorts(
  tx: Queryable,
  input: { vpcId: string; chassisId: string; vpcInterfaces: number },
  affected: readonly string[],
  maxPorts: number,
): Promise<void> {
  const rows = await tx.query<{ chassis_id: string; ports: number; has_vpc: number }>(
    `SELECT vc.chassis_id, SUM(v.interface_count) AS ports, MAX(vc.vpc_id = ?) AS has_vpc
     FROM vpc_chassis vc JOIN vpcs v ON v.id = vc.vpc_id
     WHERE vc.chassis_id IN (?) GROUP BY vc.chassis_id`,
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
