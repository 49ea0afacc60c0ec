import assert from 'node:assert/strict';
import { ProjectServiceClient, VpcServiceClient } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import { auditWrites } from '../region/audit.js';
import type { Region } from '../region/local-region.js';
import { startWriteLoad } from '../region/write-load.js';

/**
 * Runs `chaos` while a write load creates interfaces in a fresh VPC, lets the load go on until
 * it has made progress again, stops it and asserts the nothing-lost audit. Resolves what the
 * load saw: writes answered and retryable failures by code.
 */
export async function underLoad(
  region: Region,
  name: string,
  chassisIds: readonly string[],
  chaos: () => Promise<void>,
): Promise<{ answered: number; retried: ReadonlyMap<string, number> }> {
  const api = {
    logger: createLogger({ name: 'chaos', level: 'silent' }),
    registry: createRegistry({ service: 'chaos', collectDefault: false }),
    address: region.northdAddr,
    bearerToken: region.adminToken,
    tls: region.clientTls,
  };
  const projects = createClient(ProjectServiceClient, api);
  const vpcs = createClient(VpcServiceClient, api);
  const project = await projects.createProject({ name, requestId: `chaos-${name}` });
  const vpc = await vpcs.createVpc({
    name,
    cidr: '10.0.0.0/16',
    requestId: `chaos-${name}-vpc`,
    projectId: project.id,
  });
  projects.close();
  vpcs.close();
  const addresses = region.northds.map((n) => `127.0.0.1:${n.grpcPort}`);
  const load = startWriteLoad({
    addresses,
    token: region.adminToken,
    tls: region.clientTls,
    vpcId: vpc.id,
    chassisIds,
    requestIdPrefix: name,
  });
  const answeredSoFar = () => load.writes.filter((w) => w.answered).length;
  while (answeredSoFar() < 10) await new Promise((r) => setTimeout(r, 50));
  await chaos();
  const before = answeredSoFar();
  while (answeredSoFar() < before + 10) await new Promise((r) => setTimeout(r, 50));
  const writes = await load.stop();
  const live = region.northds.find(
    (n) => n.child.exitCode === null && n.child.signalCode === null,
  )!;
  const result = await auditWrites({
    northdAddr: `127.0.0.1:${live.grpcPort}`,
    token: region.adminToken,
    northdTls: region.clientTls,
    // hvflowd serves southd's certificate only: the audit reads the flows as southd.
    hvflowdTls: region.tls?.clientTls('southd'),
    vpcId: vpc.id,
    writes,
    hvflowds: new Map(chassisIds.map((id, i) => [id, `127.0.0.1:${region.hvflowds[i]!.grpcPort}`])),
  });
  assert.deepEqual(result.problems, [], `${name}: ${result.answered} writes answered`);
  assert.ok(result.answered >= 20);
  return { answered: result.answered, retried: load.retried };
}
