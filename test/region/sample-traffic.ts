import assert from 'node:assert/strict';
import {
  ChassisServiceClient,
  InterfaceServiceClient,
  InterfaceStatus,
  ProjectServiceClient,
  VpcServiceClient,
} from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, hasCode, Status } from '@vpcd/rpc';
import { runHammer } from '../bench/dhcp/dhcp-process.js';
import type { Region } from './local-region.js';

/** The MAC of the interface created on hv1, which hvaddr serves. */
export const dhcpClientMac = '02:5e:00:00:00:01';

/**
 * A little of everything a region does, each kind of outcome at least once, so that every
 * dashboard panel has something to draw: a VPC with an interface on hv1 and hv2 (writes,
 * convergence, applies), caller mistakes (INVALID_ARGUMENT; ALREADY_EXISTS from a duplicate
 * key), a chassis whose agent does not answer (southd retries and requeues: redeliveries) and
 * one whose address is not an hvflowd (the apply fails: northd gets an ack with an error), and,
 * given hvaddr's `dhcpPort`, DHCP for the interface on hv1, part of it over the rate limit.
 */
export async function createTraffic(
  region: Region,
  o: { dhcpPort?: number; timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const base = {
    address: region.northdAddr,
    bearerToken: region.adminToken,
    tls: region.clientTls,
    logger: createLogger({ name: 'sample-traffic', level: 'silent' }),
    registry: createRegistry({ service: 'sample-traffic', collectDefault: false }),
  };
  const projects = createClient(ProjectServiceClient, base);
  const vpcs = createClient(VpcServiceClient, base);
  const interfaces = createClient(InterfaceServiceClient, base);
  const chassis = createClient(ChassisServiceClient, base);
  try {
    const project = await projects.createProject({ name: 'traffic', requestId: 'traffic' });
    const vpc = await vpcs.createVpc({
      name: 'traffic',
      cidr: '10.9.0.0/24',
      projectId: project.id,
      requestId: 'traffic-vpc',
    });
    const create = (chassisId: string, mac = '') =>
      interfaces.createInterface({
        vpcId: vpc.id,
        chassisId,
        name: `on-${chassisId}`,
        ip: '',
        mac,
        requestId: `traffic-${chassisId}`,
      });
    const healthy = [await create('hv1', dhcpClientMac), await create('hv2')];
    await assert.rejects(
      vpcs.createVpc({ name: 'x', cidr: '10.9.0.1/24', projectId: project.id, requestId: 'x' }),
      (err) => hasCode(err, Status.INVALID_ARGUMENT),
    );
    await assert.rejects(
      projects.createProject({ name: 'traffic', requestId: 'traffic-again' }),
      (err) => hasCode(err, Status.ALREADY_EXISTS),
    );
    const broken = [
      { id: 'hv-down', hvflowdAddr: '127.0.0.1:1' },
      { id: 'hv-wrong', hvflowdAddr: region.northdAddr },
    ];
    for (const [i, c] of broken.entries()) {
      await chassis.registerChassis({
        chassisId: c.id,
        hostname: `${c.id}.example`,
        underlayIp: `192.0.2.${100 + i}`,
        hvflowdAddr: c.hvflowdAddr,
        requestId: '',
      });
      await create(c.id);
    }
    for (const iface of healthy) {
      const active = InterfaceStatus.INTERFACE_STATUS_ACTIVE;
      while ((await interfaces.getInterface({ id: iface.id })).status !== active) {
        if (Date.now() > deadline) throw new Error(`${iface.name} never became ACTIVE`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    for (const client of [projects, vpcs, interfaces, chassis]) client.close();
  }
  await untilSouthdReports(
    region,
    [
      /^southd_deliveries_total\{result="retry"\} [1-9]/m,
      /^southd_deliveries_total\{result="failed"\} [1-9]/m,
      /^messaging_redelivered_total\{.*\} [1-9]/m,
    ],
    deadline,
  );
  if (o.dhcpPort !== undefined) await dhcp(o.dhcpPort, deadline);
}

/** Polls the southd processes' /metrics until every pattern matched one of them. */
async function untilSouthdReports(
  region: Region,
  patterns: readonly RegExp[],
  deadline: number,
): Promise<void> {
  for (;;) {
    const texts = await Promise.all(
      region.southds.map((s) =>
        fetch(`http://127.0.0.1:${s.metricsPort}/metrics`).then((r) => r.text()),
      ),
    );
    const missing = patterns.filter((p) => !texts.some((t) => p.test(t)));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`southd never reported ${missing.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function dhcp(port: number, deadline: number): Promise<void> {
  const client = ['--server', `127.0.0.1:${port}`, '--mac-prefix', '02:5e:00', '--first', '1'];
  // hvaddr reads its bindings every BINDINGS_REFRESH_MS: retry until it knows the interface.
  for (;;) {
    const result = await runHammer([
      ...['--mix', 'transaction', ...client, '--clients', '1'],
      ...['--rate', '3/s', '--duration', '300ms'],
    ]);
    if (result.totals.ok > 0) break;
    if (Date.now() > deadline)
      throw new Error(`no DHCP exchange completed: ${JSON.stringify(result)}`);
  }
  // The same client far over its rate limit (5 per second): most of it is dropped as such.
  await runHammer([
    '--mix',
    'flood',
    ...client,
    '--clients',
    '1',
    '--rate',
    '200/s',
    '--duration',
    '300ms',
  ]);
}
