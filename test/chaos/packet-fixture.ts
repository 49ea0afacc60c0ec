import {
  InterfaceServiceClient,
  InterfaceStatus,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import type { Region } from '../region/local-region.js';
import { ofportsByInterface, type PacketFixture, type WatchedInterface } from './packet-watch.js';

/**
 * Creates the interfaces a packet watch traces, through the API, on chassis `index` of `region`
 * (an ovs chassis): VPC A with a1 (10.0.0.11) and a2 (10.0.0.12), VPC B of another project and the same
 * CIDR with b1 at a2's address. Resolves once all three are ACTIVE and have a port on the bridge.
 */
export async function createPacketFixture(
  region: Region,
  index: number,
  name: string,
): Promise<PacketFixture> {
  const sandbox = region.ovsSandbox(index);
  if (!sandbox) throw new Error(`chassis ${index} has no Open vSwitch`);
  const chassisId = region.chassis[index]!.id;
  const api = {
    logger: createLogger({ name: 'packets', level: 'silent' }),
    registry: createRegistry({ service: 'packets', collectDefault: false }),
    address: region.northdAddr,
    bearerToken: region.adminToken,
    tls: region.clientTls,
  };
  const projects = createClient(ProjectServiceClient, api);
  const vpcs = createClient(VpcServiceClient, api);
  const interfaces = createClient(InterfaceServiceClient, api);
  try {
    // Two projects: VPCs of one project may not overlap, those of two tenants may.
    const vpc = async (suffix: string) => {
      const project = await projects.createProject({
        name: `${name}-${suffix}`,
        requestId: `${name}-project-${suffix}`,
      });
      return vpcs.createVpc({
        name: `${name}-${suffix}`,
        cidr: '10.0.0.0/16',
        projectId: project.id,
        requestId: `${name}-vpc-${suffix}`,
      });
    };
    const [vpcA, vpcB] = [await vpc('a'), await vpc('b')];
    const create = (vpcId: string, label: string, ip: string) =>
      interfaces.createInterface({
        vpcId,
        chassisId,
        name: `${name}-${label}`,
        ip,
        mac: '',
        requestId: `${name}-${label}`,
      });
    const created = [
      await create(vpcA.id, 'a1', '10.0.0.11'),
      await create(vpcA.id, 'a2', '10.0.0.12'),
      await create(vpcB.id, 'b1', '10.0.0.12'),
    ];
    for (let i = 0; ; i++) {
      const now = await Promise.all(created.map((c) => interfaces.getInterface({ id: c.id })));
      const ports = await ofportsByInterface(sandbox);
      if (
        now.every((c) => c.status === InterfaceStatus.INTERFACE_STATUS_ACTIVE && ports.has(c.id))
      ) {
        const [a1, a2, b1] = now.map((c): WatchedInterface => ({ id: c.id, mac: c.mac, ip: c.ip }));
        return { a1: a1!, a2: a2!, b1: b1! };
      }
      if (i > 600) throw new Error(`the interfaces of ${name} never became ACTIVE on their ports`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    projects.close();
    vpcs.close();
    interfaces.close();
  }
}
