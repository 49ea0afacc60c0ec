import { hasCode, RpcError, Status } from '@vpcd/rpc';
import type { Clients } from './clients.js';
import type { RunNames } from './names.js';
import type { Pools } from './pools.js';

/** What --setup creates. */
export interface SetupOptions {
  /** VPCs (each a /16) that interfaces go into. Default 4, at most 64. */
  readonly vpcs?: number;
  /** Chassis, registered with unreachable agent addresses. Default 4. */
  readonly chassis?: number;
  /** Interfaces made in each VPC before the run, for getInterface. Default 2. */
  readonly interfacesPerVpc?: number;
}

const setupParallelism = 8;

/** Runs `fn` on every item, at most `limit` at once. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * Creates a project with a token of its own, chassis, VPCs and interfaces, all named after the
 * run; needs the admin token. Returns the tenant clients' token and the counts.
 */
export async function setUp(
  admin: Clients,
  openTenant: (token: string) => Clients,
  pools: Pools,
  names: RunNames,
  options: SetupOptions,
): Promise<{ tenant: Clients; projectId: string; counts: Record<string, number> }> {
  const vpcCount = options.vpcs ?? 4;
  const chassisCount = options.chassis ?? 4;
  const perVpc = options.interfacesPerVpc ?? 2;
  const project = await admin.projects.createProject({ name: names.project, requestId: '' });
  const { token } = await admin.projects.createToken({ projectId: project.id, requestId: '' });
  const tenant = openTenant(token);
  await forEachLimit(range(chassisCount), setupParallelism, async (i) => {
    const c = await admin.chassis.registerChassis({
      chassisId: names.chassis(i),
      hostname: names.chassis(i),
      underlayIp: names.underlayIp(i),
      hvflowdAddr: names.hvflowdAddr(i),
      requestId: '',
    });
    pools.chassis.push(c.id);
  });
  // One at a time: a project's VPC creations are serialised by northd anyway.
  for (const i of range(vpcCount)) {
    const vpc = await tenant.vpcs.createVpc({ ...names.baseVpc(i), projectId: '', requestId: '' });
    pools.baseVpcs.push(vpc.id);
    pools.vpcs.push(vpc.id);
    pools.ownedVpcs.add(vpc.id);
  }
  const slots = pools.baseVpcs.flatMap((vpcId) => range(perVpc).map(() => vpcId));
  await forEachLimit(slots, setupParallelism, async (vpcId, i) => {
    const created = await tenant.interfaces.createInterface({
      vpcId,
      chassisId: pools.chassis[i % pools.chassis.length]!,
      name: names.nextInterface(),
      ip: '',
      mac: '',
      requestId: '',
    });
    pools.stableInterfaces.push({ id: created.id, vpcId });
    pools.ownedInterfaces.add(created.id);
  });
  return {
    tenant,
    projectId: project.id,
    counts: {
      projects: 1,
      tokens: 1,
      chassis: chassisCount,
      vpcs: vpcCount,
      interfaces: slots.length,
    },
  };
}

/** Fills the pools from what the token sees (first pages), where --vpc/--chassis did not. */
export async function discover(clients: Clients, pools: Pools): Promise<void> {
  if (pools.baseVpcs.length === 0) {
    const { vpcs } = await clients.vpcs.listVpcs({ pageSize: 100, pageToken: '' });
    pools.baseVpcs.push(...vpcs.map((v) => v.id));
    pools.vpcs.push(...pools.baseVpcs);
  }
  if (pools.chassis.length === 0) {
    const { chassis } = await clients.chassis.listChassis({ pageSize: 100, pageToken: '' });
    pools.chassis.push(...chassis.map((c) => c.id));
  }
  const vpcId = pools.baseVpcs[0];
  if (vpcId !== undefined) {
    const { interfaces } = await clients.interfaces.listInterfaces({
      vpcId,
      chassisId: '',
      pageSize: 100,
      pageToken: '',
    });
    pools.stableInterfaces.push(...interfaces.map((i) => ({ id: i.id, vpcId })));
  }
}

/**
 * Deletes the interfaces and then the VPCs this run created. What is already gone counts as
 * deleted; other failures are returned as notes, the first error of each kind.
 */
export async function cleanUp(
  clients: Clients,
  pools: Pools,
): Promise<{ counts: Record<string, number>; notes: string[] }> {
  const notes: string[] = [];
  const remove = async (kind: string, ids: Set<string>, del: (id: string) => Promise<unknown>) => {
    let deleted = 0;
    let failed: RpcError | undefined;
    let failures = 0;
    await forEachLimit([...ids], setupParallelism, async (id) => {
      try {
        await del(id);
      } catch (err) {
        if (!hasCode(err, Status.NOT_FOUND)) {
          failed ??= RpcError.from(err);
          failures += 1;
          return;
        }
      }
      ids.delete(id);
      deleted += 1;
    });
    if (failed) notes.push(`could not delete ${failures} ${kind}: ${failed.message}`);
    return deleted;
  };
  const interfaces = await remove('interfaces', pools.ownedInterfaces, (id) =>
    clients.interfaces.deleteInterface({ id, requestId: '' }),
  );
  const vpcs = await remove('vpcs', pools.ownedVpcs, (id) =>
    clients.vpcs.deleteVpc({ id, requestId: '' }),
  );
  return { counts: { interfaces, vpcs }, notes };
}
