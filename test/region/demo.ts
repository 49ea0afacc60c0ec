// `make demo`: a local region on this machine (2 northd, 2 southd, 3 chassis — one on Open
// vSwitch when it can run — and a simulated fleet), sample VPCs, a status table and the URLs.
// Ctrl-C stops everything it started; --once verifies and exits (0 on success).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChassisServiceClient } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import { fileURLToPath } from 'node:url';
import { PrivatePrometheus } from '../deploy/prometheus-server.js';
import { startRegion } from './local-region.js';
import { createSampleData } from './sample-data.js';

const once = process.argv.includes('--once');
const fleetSize = Number(process.env.DEMO_FLEET_SIZE ?? '50');
const runDir = mkdtempSync(join(tmpdir(), 'vpcd-demo-'));
const say = (line: string) => process.stdout.write(`${line}\n`);

say(`starting a local region (logs in ${runDir}) ...`);
const region = await startRegion({
  runDir,
  ports: 'fixed',
  chassis: [
    { id: 'hv1', underlayIp: '192.0.2.1', datapath: 'ovs' },
    { id: 'hv2', underlayIp: '192.0.2.2', datapath: 'memory' },
    { id: 'hv3', underlayIp: '192.0.2.3', datapath: 'memory' },
  ],
  fleetSize,
});
let code = 0;
let prometheus: PrivatePrometheus | undefined;
try {
  const endpoints = (list: typeof region.northds) => list.map((p) => `127.0.0.1:${p.metricsPort}`);
  prometheus = await PrivatePrometheus.start({
    scrapeIntervalS: 2,
    ruleFiles: [
      fileURLToPath(
        new URL('../../../deploy/monitoring/prometheus/vpcd.rules.yml', import.meta.url),
      ),
    ],
    targets: [
      { job: 'northd', targets: endpoints(region.northds) },
      { job: 'southd', targets: endpoints(region.southds) },
      {
        job: 'hvflowd',
        targets: [
          ...endpoints(region.hvflowds),
          ...(region.fleet ? endpoints([region.fleet]) : []),
        ],
      },
    ],
  });
  for (const f of region.fallbacks)
    say(`note: ${f.chassis} runs on the memory datapath (${f.reason})`);
  const data = await createSampleData(region.northdAddr, region.adminToken, ['hv1', 'hv2', 'hv3']);
  say(`created ${data.interfaces.length} interfaces in 2 projects; all ACTIVE`);
  const chassis = createClient(ChassisServiceClient, {
    address: region.northdAddr,
    bearerToken: region.adminToken,
    logger: createLogger({ name: 'demo', level: 'silent' }),
    registry: createRegistry({ service: 'demo', collectDefault: false }),
  });
  const listAll = async () => {
    const found = [];
    let token = '';
    do {
      const page = await chassis.listChassis({ pageSize: 1000, pageToken: token });
      found.push(...page.chassis);
      token = page.nextPageToken;
    } while (token);
    return found;
  };
  // Everything converged: every chassis (the fleet's too) applied what northd wants.
  const deadline = Date.now() + 120_000;
  let all = await listAll();
  const behind = () =>
    all.filter((c) => c.appliedGeneration < c.desiredGeneration).length +
    Math.max(0, 3 + fleetSize - all.length);
  while (behind() > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    all = await listAll();
  }
  chassis.close();
  if (behind() > 0) throw new Error(`${behind()} chassis did not converge`);
  const rows = all
    .filter((c) => !c.id.startsWith('sim-'))
    .map((c) => [c.id, c.owner, String(c.desiredGeneration), String(c.appliedGeneration)]);
  const widths = [10, 10, 8, 8];
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  say(line(['CHASSIS', 'OWNER', 'DESIRED', 'APPLIED']));
  for (const r of rows) say(line(r));
  const simulated = all.filter((c) => c.id.startsWith('sim-'));
  const converged = simulated.filter((c) => c.appliedGeneration >= c.desiredGeneration).length;
  say(`simulated fleet: ${simulated.length} chassis, ${converged} converged`);
  say('');
  say(`northd API         ${region.northdAddr}   (VPCD_TOKEN=${region.adminToken})`);
  for (const p of [...region.northds, ...region.southds, ...region.hvflowds]) {
    say(`${p.name.padEnd(18)} http://127.0.0.1:${p.metricsPort}/metrics`);
  }
  say(`Prometheus UI      ${prometheus.url}   (alert rules of deploy/monitoring loaded)`);
  // Every service is scraped: Prometheus sees each target up.
  const expected =
    region.northds.length + region.southds.length + region.hvflowds.length + (region.fleet ? 1 : 0);
  const upDeadline = Date.now() + 60_000;
  let up = 0;
  while (up < expected && Date.now() < upDeadline) {
    const result = await prometheus.query('sum(up)');
    up = Number(
      (result.data?.result[0] as { value?: [number, string] } | undefined)?.value?.[1] ?? 0,
    );
    if (up < expected) await new Promise((r) => setTimeout(r, 500));
  }
  if (up < expected) throw new Error(`Prometheus sees ${up} of ${expected} targets up`);
  say(`Prometheus scrapes all ${expected} targets`);
  if (once) say('demo verified');
  else {
    say('Ctrl-C stops the region.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
} catch (err) {
  say(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  code = 1;
} finally {
  say('stopping the region ...');
  await prometheus?.close();
  await region.stop();
}
process.exit(code);
