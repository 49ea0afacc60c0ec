// `make demo`: a local region on this machine (2 northd, 2 southd, 3 chassis — one on Open
// vSwitch when it can run — and a simulated fleet), sample VPCs, a status table and the URLs,
// watched by a private Prometheus (the alert rules of deploy/monitoring), Alertmanager and
// mysqld_exporter. Ctrl-C stops everything it started; --once verifies and exits (0 on success).
//
// Prometheus and Alertmanager are always private instances on free ports, even when standard
// ones answer on 9090/9093: those scrape what their own configuration says, and the demo must
// neither rewrite it nor depend on it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChassisServiceClient } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient } from '@vpcd/rpc';
import { startRegion } from './local-region.js';
import { startMonitoring, type Monitoring } from './monitoring.js';
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
let monitoring: Monitoring | undefined;
try {
  // RabbitMQ's own metrics, when its Prometheus plugin runs (make prereqs enables it on the
  // local broker; a private broker started for the demo has no plugins).
  const rabbitmqMetrics = `${new URL(region.amqpUrl).hostname}:15692`;
  const pluginAnswers = await fetch(`http://${rabbitmqMetrics}/metrics`).then(
    (r) => r.ok,
    () => false,
  );
  if (!pluginAnswers)
    say(`note: RabbitMQ's Prometheus endpoint ${rabbitmqMetrics} does not answer`);
  monitoring = await startMonitoring(region, {
    rabbitmqMetrics: pluginAnswers ? rabbitmqMetrics : 'none',
  });
  for (const f of region.fallbacks)
    say(`note: ${f.chassis} runs on the memory datapath (${f.reason})`);
  const sample = await createSampleData(
    region.northdAddr,
    region.adminToken,
    ['hv1', 'hv2', 'hv3'],
    region.clientTls,
  );
  say(`created ${sample.interfaces.length} interfaces in 2 projects; all ACTIVE`);
  const chassis = createClient(ChassisServiceClient, {
    address: region.northdAddr,
    bearerToken: region.adminToken,
    tls: region.clientTls,
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
  // The operator's token for vpcctl; the agents hold their own certificates, never this.
  say(`northd API         ${region.northdAddr}   (operator: VPCD_TOKEN=${region.adminToken})`);
  if (region.tls) {
    say(
      `mutual TLS         CA ${region.tls.ca.caFile}, a certificate per identity beside it ` +
        `(vpcctl ${region.cliTlsArgs.join(' ')})`,
    );
  }
  for (const p of [...region.northds, ...region.southds, ...region.hvflowds]) {
    say(`${p.name.padEnd(18)} http://127.0.0.1:${p.metricsPort}/metrics`);
  }
  const { prometheus, alertmanager, mysqldExporters } = monitoring;
  for (const e of mysqldExporters) say(`${'mysqld_exporter'.padEnd(18)} ${e.url}/metrics`);
  if (pluginAnswers) say(`${'RabbitMQ metrics'.padEnd(18)} http://${rabbitmqMetrics}/metrics`);
  say(`Prometheus UI      ${prometheus.url}   (alert rules of deploy/monitoring loaded)`);
  say(`Alertmanager UI    ${alertmanager.url}   (routes of deploy/monitoring, notifying no one)`);
  // Every target answers a scrape, and Prometheus has found Alertmanager, whose API answers.
  await monitoring.waitForScrapes({ scrapes: 0 });
  const targets = monitoring.targets.reduce((n, t) => n + t.targets.length, 0);
  say(`Prometheus scrapes all ${targets} targets`);
  const { data } = await prometheus.get<{ data: { activeAlertmanagers: unknown[] } }>(
    '/api/v1/alertmanagers',
  );
  if (data.activeAlertmanagers.length !== 1) throw new Error('Prometheus has no Alertmanager');
  await alertmanager.alerts();
  say('Prometheus sends its alerts to Alertmanager');
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
  await monitoring?.close();
  await region.stop();
}
process.exit(code);
