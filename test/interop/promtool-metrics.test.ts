// promtool, Prometheus's own linter, on what every vpcd service exposes on /metrics.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHvaddr } from '../region/hvaddr-process.js';
import { startRegion, type Region } from '../region/local-region.js';
import type { ServiceProcess } from '../region/service-process.js';

/**
 * The findings on prom-client's default metrics, which every service exposes: these gauges are
 * named `_total` by prom-client (and by the Node ecosystem's dashboards that read them), outside
 * our control. Everything else, vpcd's families included, must pass.
 */
const promClientDefaults = new Set(
  [
    'nodejs_active_handles_total',
    'nodejs_active_requests_total',
    'nodejs_active_resources_total',
  ].map((family) => `${family} non-counter metrics should not have "_total" suffix`),
);

/** promtool check metrics' findings on `text`: one line each, `<family> <problem>`. */
function promtoolCheck(text: string): Promise<{ code: number | null; findings: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, findings: out.split('\n').filter((line) => line.trim() !== '') }),
    );
    child.stdin.end(text);
  });
}

describe('promtool check metrics', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'vpcd-promtool-'));
  let region: Region;
  let hvaddr: ServiceProcess;

  before(async () => {
    region = await startRegion({
      runDir,
      northds: 1,
      southds: 1,
      chassis: [{ id: 'hv1', underlayIp: '192.0.2.1', datapath: 'memory' }],
    });
    hvaddr = await startHvaddr(region, { chassisId: 'hv1', runDir });
  });
  after(async () => {
    await hvaddr?.stop();
    await region?.stop();
  });

  for (const name of ['northd', 'southd', 'hvflowd', 'hvaddr'] as const) {
    it(`finds nothing to say about ${name}'s own metric families`, async (t) => {
      const service = {
        northd: () => region.northds[0]!,
        southd: () => region.southds[0]!,
        hvflowd: () => region.hvflowds[0]!,
        hvaddr: () => hvaddr,
      }[name]();
      const res = await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /^# TYPE (?!process_|nodejs_)\w+ /m, 'the scrape has our own families');
      const { code, findings } = await promtoolCheck(text);
      for (const line of findings) t.diagnostic(`promtool: ${line}`);
      const ours = findings.filter((line) => !promClientDefaults.has(line));
      assert.deepEqual(ours, []);
      if (findings.length === 0) assert.equal(code, 0);
    });
  }
});
