import {
  InterfaceServiceClient,
  InterfaceStatus,
  ProjectServiceClient,
  VpcServiceClient,
  type Interface,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, hasCode, Status, type ClientTlsOptions } from '@vpcd/rpc';

/** What the demo creates: two projects' VPCs with interfaces spread over the chassis. */
export interface SampleData {
  readonly interfaces: Interface[];
}

async function retryUntil<T>(what: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      // A chassis that has not registered yet is NOT_FOUND; northd starting is UNAVAILABLE.
      if (
        Date.now() > deadline ||
        !(hasCode(err, Status.NOT_FOUND) || hasCode(err, Status.UNAVAILABLE))
      ) {
        throw new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Creates sample projects, VPCs (overlapping CIDRs in different projects, as tenants do) and
 * interfaces on `chassisIds`, then waits until every interface is ACTIVE.
 */
export async function createSampleData(
  address: string,
  adminToken: string,
  chassisIds: readonly string[],
  tls: ClientTlsOptions | undefined,
  timeoutMs = 60_000,
): Promise<SampleData> {
  const base = {
    address,
    bearerToken: adminToken,
    tls,
    logger: createLogger({ name: 'demo', level: 'silent' }),
    registry: createRegistry({ service: 'demo', collectDefault: false }),
  };
  const projects = createClient(ProjectServiceClient, base);
  const vpcs = createClient(VpcServiceClient, base);
  const ifaces = createClient(InterfaceServiceClient, base);
  try {
    const created: Interface[] = [];
    for (const tenant of ['blue', 'red']) {
      const project = await retryUntil(
        'create project',
        () => projects.createProject({ name: tenant, requestId: `demo-${tenant}` }),
        timeoutMs,
      );
      const vpc = await vpcs.createVpc({
        name: 'web',
        cidr: '10.0.0.0/24',
        requestId: `demo-${tenant}-web`,
        projectId: project.id,
      });
      for (const [i, chassisId] of chassisIds.entries()) {
        created.push(
          await retryUntil(
            `create interface on ${chassisId}`,
            () =>
              ifaces.createInterface({
                vpcId: vpc.id,
                chassisId,
                name: `${tenant}-${i}`,
                ip: '',
                mac: '',
                requestId: `demo-${tenant}-${i}`,
              }),
            timeoutMs,
          ),
        );
      }
    }
    const deadline = Date.now() + timeoutMs;
    const interfaces: Interface[] = [];
    for (const iface of created) {
      for (;;) {
        const now = await ifaces.getInterface({ id: iface.id });
        if (now.status === InterfaceStatus.INTERFACE_STATUS_ACTIVE) {
          interfaces.push(now);
          break;
        }
        if (Date.now() > deadline)
          throw new Error(`interface ${iface.name} on ${iface.chassisId} is still PENDING`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { interfaces };
  } finally {
    for (const c of [projects, vpcs, ifaces]) c.close();
  }
}
