import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { sequentialMacs } from '@vpcd/dhcp';
import { chassisState, eventually, startChassisStub, type ChassisStub } from '@vpcd/hvaddr/testing';
import { runCli } from './cli/run-cli.js';
import { formatMac, parseMacPrefix } from './dhcp/client-macs.js';
import { createDhcpTarget } from './dhcp/dhcp-target.js';
import { isHammerError } from './hammer-error.js';
import type { Report } from './report/report.js';
import { runHammer } from './run/run-hammer.js';

const macPrefix = '02:68:aa';
/** The first ten clients of the prefix are bound on the chassis; clients 10 and up are not. */
const boundClients = 10;
const hvaddrMain = fileURLToPath(new URL('./main.js', import.meta.resolve('@vpcd/hvaddr')));

interface HvaddrProcess {
  readonly child: ChildProcess;
  readonly dhcpPort: number;
  readonly metricsPort: number;
}

async function startHvaddr(northdAddress: string): Promise<HvaddrProcess> {
  const child = spawn(process.execPath, [hvaddrMain], {
    env: {
      CHASSIS_ID: 'chassis-hammer',
      NORTHD_ADDR: northdAddress,
      DHCP_CLIENT_IDENTITY: 'chaddr',
      DHCP_LISTEN: '127.0.0.1:0',
      METRICS_LISTEN: '127.0.0.1:0',
      BINDINGS_REFRESH_MS: '1000',
      // Ten clients at 40 transactions a second is 8 requests a second each: over the default 5.
      RATE_LIMIT_PER_S: '1000',
      LOG_LEVEL: 'info',
      OTEL_TRACES_EXPORTER: 'none',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const ports = await new Promise<{ dhcpPort: number; metricsPort: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`hvaddr exited with ${code}`)));
    lines.on('line', (line) => {
      const parsed = JSON.parse(line) as { msg?: string; dhcpPort?: number; metricsPort?: number };
      if (parsed.msg === 'hvaddr started')
        resolve({ dhcpPort: parsed.dhcpPort!, metricsPort: parsed.metricsPort! });
    });
  });
  const ready = () =>
    fetch(`http://127.0.0.1:${ports.metricsPort}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
  await eventually(ready, (status) => status === 200, 10_000, 'hvaddr ready');
  return { child, ...ports };
}

/** hvaddr_requests_total{type, result} as hvaddr reports it. */
async function hvaddrRequests(metricsPort: number, type: string, result: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`hvaddr_requests_total{type="${type}",result="${result}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('hammer --mode dhcp against a real hvaddr', () => {
  let stub: ChassisStub;
  let hvaddr: HvaddrProcess;
  let dir: string;
  let server: string;

  before(async () => {
    // hvaddr's own MAC scheme: the hammer's clients must be the same MACs.
    const bound = sequentialMacs(boundClients, { prefix: parseMacPrefix(macPrefix)! });
    stub = await startChassisStub(
      chassisState(
        'chassis-hammer',
        bound.map((mac, i) => ({ mac: formatMac(mac), ip: `10.0.0.${10 + i}` })),
      ),
    );
    hvaddr = await startHvaddr(stub.address);
    server = `127.0.0.1:${hvaddr.dhcpPort}`;
    dir = await mkdtemp(join(tmpdir(), 'hammer-dhcp-test-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
    if (hvaddr.child.exitCode === null) {
      const exited = once(hvaddr.child, 'exit');
      hvaddr.child.kill('SIGTERM');
      await exited;
    }
    await stub.stop();
  });

  const target = (clients: number, callTimeoutMs?: number) =>
    createDhcpTarget({ server, clients, macPrefix, relayAddress: '127.0.0.2', callTimeoutMs });

  it('runs DHCP transactions of bound clients at the rate, every one acknowledged', async () => {
    const acksBefore = await hvaddrRequests(hvaddr.metricsPort, 'request', 'ack');
    const report = await runHammer({
      target: target(boundClients, 5000),
      mix: { transaction: 1 },
      ratePerSecond: 40,
      durationMs: 3000,
    });
    assert.deepEqual(report.target, { kind: 'dhcp', description: `DHCP server at ${server}` });
    assert.equal(report.mode, 'open');
    // The schedule decides the number of calls: 40/s for 3 s.
    assert.ok(Math.abs(report.totals.count - 120) <= 5, `${report.totals.count} transactions`);
    assert.deepEqual(report.totals.errors, {});
    const transaction = report.calls.transaction!;
    assert.equal(transaction.ok, report.totals.count);
    assert.ok(
      transaction.latencyMs.p50 > 0 && transaction.latencyMs.p50 <= transaction.latencyMs.max,
    );
    assert.match(report.notes[0]!, /^10 clients: MACs 02:68:aa:00:00:00 to 02:68:aa:00:00:09/);
    // Each transaction was a REQUEST that hvaddr acknowledged.
    const acks = (await hvaddrRequests(hvaddr.metricsPort, 'request', 'ack')) - acksBefore;
    assert.equal(acks, report.totals.count);
  });

  it('counts the calls of unbound clients as NoOffer: hvaddr stays silent to them', async () => {
    const report = await runHammer({
      target: target(2 * boundClients, 500),
      mix: { transaction: 1, discover: 1 },
      ratePerSecond: 40,
      durationMs: 2000,
    });
    const { count, ok, errors, errorCount } = report.totals;
    assert.deepEqual(Object.keys(errors), ['NoOffer']);
    // Clients are used in turn, so every other ten calls go to unbound MACs.
    assert.ok(Math.abs(errorCount - count / 2) <= 10, `${errorCount} of ${count} failed`);
    assert.equal(ok + errorCount, count);
    for (const [name, call] of Object.entries(report.calls)) {
      assert.ok(call.count > 0, name);
      assert.deepEqual(Object.keys(call.errors), call.errorCount > 0 ? ['NoOffer'] : [], name);
    }
    assert.equal(
      report.timeline.reduce((sum, p) => sum + p.errors, 0),
      errorCount,
    );
  });

  it('runs from the command line and writes the JSON and HTML reports', async () => {
    let stdout = '';
    let stderr = '';
    const out = join(dir, 'cli', 'report');
    const code = await runCli(
      [
        ...['--mode', 'dhcp', '--server', server, '--clients', String(boundClients)],
        ...['--mac-prefix', macPrefix, '--concurrency', '2', '--duration', '1s', '--out', out],
      ],
      {},
      {
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
        stderrIsTty: false,
      },
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /\ntransaction +\d/);
    const report = JSON.parse(await readFile(`${out}.json`, 'utf8')) as Report;
    assert.equal(report.target.kind, 'dhcp');
    assert.equal(report.mode, 'closed');
    assert.deepEqual(Object.keys(report.calls), ['transaction']);
    assert.ok(report.calls.transaction!.ok > 0);
    assert.deepEqual(report.totals.errors, {});
    assert.match(await readFile(`${out}.html`, 'utf8'), /<svg /);
  });

  it('cannot run when the relay agent address is not on this host', async () => {
    await assert.rejects(
      runHammer({
        target: createDhcpTarget({ server, relayAddress: '192.0.2.1' }),
        mix: { transaction: 1 },
        concurrency: 1,
        durationMs: 1000,
      }),
      (err) =>
        isHammerError(err) &&
        err.kind === 'setup' &&
        /^cannot bind the relay agent to 192\.0\.2\.1:\d+: EADDRNOTAVAIL/.test(err.message),
    );
  });
});
