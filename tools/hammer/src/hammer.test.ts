import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  startAckingSouthd,
  startNorthdHarness,
  type AckingSouthd,
  type Harness,
} from '@vpcd/northd/testing';
import { runCli } from './cli/run-cli.js';
import { openClients } from './grpc/clients.js';
import { createGrpcTarget } from './grpc/grpc-target.js';
import { isHammerError } from './hammer-error.js';
import { renderHtml } from './report/html.js';
import type { Report } from './report/report.js';
import { runHammer } from './run/run-hammer.js';

const everyCall = {
  createVpc: 1,
  getVpc: 3,
  listVpcs: 1,
  createInterface: 3,
  getInterface: 3,
  listInterfaces: 1,
  deleteInterface: 1,
  listChassis: 1,
  syncInitialChassis: 1,
};

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('hammer against northd', () => {
  let h: Harness;
  let southd: AckingSouthd;
  let dir: string;

  before(async () => {
    // The mix calls SyncInitialChassis as fast as it can: a load to measure, not a storm of
    // restarts for northd's resync throttle to refuse. It creates VPCs and interfaces as fast
    // as the machine allows, past the default quotas (100 VPCs a project) on a fast one: what
    // it measures is throughput, not quotas.
    h = await startNorthdHarness({
      logLevel: 'warn',
      env: {
        RESYNC_RATE_PER_S: '100000',
        RESYNC_BURST: '100000',
        RESYNC_MAX_IN_FLIGHT: '1000',
        QUOTA_DEFAULT_VPCS: '100000',
        QUOTA_DEFAULT_INTERFACES_PER_VPC: '1000000',
        QUOTA_DEFAULT_INTERFACES: '1000000',
      },
    });
    southd = await startAckingSouthd(h.amqpUrl);
    dir = await mkdtemp(join(tmpdir(), 'hammer-test-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await southd.stop();
    await h.stop();
  });

  const target = (extra: Parameters<typeof createGrpcTarget>[0] | object = {}) =>
    createGrpcTarget({ address: h.address, token: h.adminToken, ...extra });

  it('runs a closed-loop mix of every call, with counts that add up and no errors, then cleans up', async () => {
    const report = await runHammer({
      target: target({ setup: { vpcs: 2, chassis: 2, interfacesPerVpc: 1 }, cleanup: true }),
      mix: everyCall,
      concurrency: 4,
      durationMs: 3000,
    });
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.mode, 'closed');
    assert.equal(report.concurrency, 4);
    assert.equal(report.latencyFrom, 'actual-start');
    assert.deepEqual(Object.keys(report.calls).sort(), Object.keys(everyCall).sort());
    assert.deepEqual(report.totals.errors, {}, JSON.stringify(report.totals.errors));
    assert.ok(report.totals.count > 0);
    assert.equal(sum(Object.values(report.calls).map((c) => c.count)), report.totals.count);
    assert.equal(sum(report.timeline.map((p) => p.count)), report.totals.count);
    for (const [name, c] of Object.entries(report.calls)) {
      assert.equal(c.ok + c.errorCount, c.count, name);
      const l = c.latencyMs;
      assert.ok(
        c.count === 0 || (l.p50 <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.p999 && l.p999 <= l.max),
        name,
      );
      assert.ok(c.throughputPerSecond >= 0, name);
    }
    for (const p of report.timeline) {
      assert.equal(sum(Object.values(p.calls).map((c) => c.count)), p.count);
      assert.ok(p.p99Ms >= 0);
    }
    assert.ok(report.timeline.length >= 3);
    assert.deepEqual(report.setUp, { projects: 1, tokens: 1, chassis: 2, vpcs: 2, interfaces: 2 });
    // Everything created is deleted: the set-up VPCs and every VPC createVpc made.
    assert.equal(report.cleanedUp.vpcs, 2 + report.calls.createVpc!.ok);
    const admin = openClients({
      address: h.address,
      token: h.adminToken,
      tls: undefined,
      callDeadlineMs: 5000,
    });
    try {
      const { vpcs } = await admin.vpcs.listVpcs({ pageSize: 1000, pageToken: '' });
      assert.deepEqual(
        vpcs.filter((v) => v.name.startsWith('hammer-')),
        [],
      );
    } finally {
      admin.close();
    }

    const html = renderHtml(report);
    assert.match(html, /^<!doctype html>/);
    assert.equal(html.match(/<svg /g)?.length, 3);
    assert.match(html, /p99 latency over time/);
    assert.match(html, /Latency by percentile/);
    assert.doesNotMatch(
      html,
      /<script src|<link |https?:\/\/(?!www\.w3\.org\/2000\/svg)/,
      'self-contained',
    );
    const embedded = /<script type="application\/json" id="report">(.*)<\/script>/s.exec(html)![1]!;
    assert.deepEqual(JSON.parse(embedded), JSON.parse(JSON.stringify(report)));
  });

  it('sends at the rate in open-loop mode and measures from the intended send time', async () => {
    const report = await runHammer({
      target: target({ setup: { vpcs: 1, chassis: 1, interfacesPerVpc: 1 }, cleanup: true }),
      mix: { getVpc: 1, listChassis: 1 },
      ratePerSecond: 50,
      durationMs: 2000,
    });
    assert.equal(report.mode, 'open');
    assert.equal(report.ratePerSecond, 50);
    assert.equal(report.latencyFrom, 'intended-start');
    // The schedule decides the number of calls, whatever the timing: 50/s for 2 s.
    assert.ok(Math.abs(report.totals.count - 100) <= 5, `${report.totals.count} calls`);
    assert.equal(report.totals.errorCount, 0);
  });

  it('counts failed calls by code: getVpc on a missing VPC is NotFound', async () => {
    const report = await runHammer({
      target: target({ vpcIds: ['00000000-0000-4000-8000-000000000000'] }),
      mix: { getVpc: 1 },
      concurrency: 2,
      durationMs: 500,
    });
    const getVpc = report.calls.getVpc!;
    assert.ok(getVpc.count > 0);
    assert.deepEqual(getVpc.errors, { NotFound: getVpc.count });
    assert.equal(getVpc.ok, 0);
    assert.deepEqual(report.totals.errors, { NotFound: getVpc.count });
    assert.equal(sum(report.timeline.map((p) => p.errors)), getVpc.count);
  });

  it('refuses a mix whose calls have nothing to act on, before any load', async () => {
    await assert.rejects(
      runHammer({
        target: target(),
        mix: { listVpcs: 1, deleteInterface: 1 },
        concurrency: 1,
        durationMs: 1000,
      }),
      (err) =>
        isHammerError(err) &&
        err.kind === 'setup' &&
        /^deleteInterface deletes only what this run created/.test(err.message),
    );
  });

  it('runs from the command line and writes report.json and report.html', async () => {
    let stdout = '';
    let stderr = '';
    const io = {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      stderrIsTty: false,
    };
    const out = join(dir, 'cli', 'report');
    const code = await runCli(
      [
        '--setup',
        '--cleanup',
        '--duration',
        '1s',
        '--concurrency',
        '2',
        '--mix',
        'getVpc=2,listVpcs',
        '--out',
        out,
      ],
      { NORTHD_ADDR: h.address, VPCD_TOKEN: h.adminToken },
      io,
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^CALL +COUNT +ERRORS/);
    assert.match(stdout, /\ngetVpc +\d/);
    assert.match(stderr, /calls .* errors .* in flight\n/);
    const report = JSON.parse(await readFile(`${out}.json`, 'utf8')) as Report;
    assert.deepEqual(Object.keys(report.calls).sort(), ['getVpc', 'listVpcs']);
    for (const key of ['count', 'errors', 'throughputPerSecond', 'latencyMs', 'percentiles'])
      assert.ok(key in report.calls.getVpc!, key);
    for (const key of ['p50', 'p90', 'p99', 'p999', 'max'])
      assert.equal(typeof report.calls.getVpc!.latencyMs[key as 'p50'], 'number', key);
    assert.match(await readFile(`${out}.html`, 'utf8'), /<svg /);
  });

  it('exits 1 with the code on one line when the setup is refused', async () => {
    let stderr = '';
    const code = await runCli(
      ['--setup', '--duration', '1s'],
      { NORTHD_ADDR: h.address },
      {
        stdout: { write: () => true },
        stderr: { write: (t: string) => (stderr += t) },
        stderrIsTty: false,
      },
    );
    assert.equal(code, 1);
    assert.match(stderr, /^hammer: setup failed: Unauthenticated: .*\n$/);
  });
});
