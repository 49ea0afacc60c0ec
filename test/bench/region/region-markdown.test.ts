import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LatencySummaryMs, Report } from '@vpcd/hammer';
import type { MemoryRow } from './peak-memory.js';
import { parseRegionBenchArgs } from './region-args.js';
import type { ActiveLatency } from './region-latency.js';
import { memorySummary, memoryTable, regionMarkdown, regionText } from './region-markdown.js';
import type { RegionRun } from './region-run.js';

const mib = 2 ** 20;

const hdr = (p50: number, p99: number): LatencySummaryMs => ({
  min: 1,
  mean: p50,
  p50,
  p90: p99 - 1,
  p99,
  p999: p99 + 1,
  max: p99 + 2,
});

const active = (p50Ms: number, p99Ms: number, timedOut = 0): ActiveLatency => ({
  active: { count: 100, p50Ms, p99Ms, maxMs: p99Ms + 5 },
  answeredToActive: { count: 100, p50Ms: p50Ms - 5, p99Ms: p99Ms - 5, maxMs: p99Ms },
  created: 100 + timedOut,
  timedOut,
  failed: 0,
  timeoutMs: 10_000,
  pollIntervalMs: 2,
});

const memoryRow = (service: string, thirdPeak: number, endPeak: number): MemoryRow => ({
  service,
  startRssBytes: 100 * mib,
  third: { rssBytes: 110 * mib, peakBytes: thirdPeak * mib },
  end: { rssBytes: 112 * mib, peakBytes: endPeak * mib },
  peakReset: true,
});

function report(): Report {
  const call = (count: number, p50: number, p99: number) => ({
    count,
    ok: count,
    errors: {},
    errorCount: 0,
    skipped: 0,
    throughputPerSecond: count / 120,
    latencyMs: hdr(p50, p99),
    percentiles: [],
  });
  return {
    schemaVersion: 1,
    target: { kind: 'grpc', description: 'northd at a and northd at b' },
    startTime: '2025-01-02T03:05:00.000Z',
    mode: 'closed',
    concurrency: 32,
    ratePerSecond: null,
    latencyFrom: 'actual-start',
    durationMs: 120_000,
    elapsedMs: 120_050,
    interrupted: false,
    mix: {},
    totals: {
      count: 60_000,
      ok: 59_990,
      errorCount: 10,
      errors: { DeadlineExceeded: 10 },
      skipped: 3,
      throughputPerSecond: 500,
      latencyMs: hdr(40, 250),
    },
    calls: { getInterface: call(24_000, 30, 200), createInterface: call(6000, 120, 400) },
    timeline: [],
    setUp: {},
    cleanedUp: {},
    notes: [],
  };
}

function fixtureRun(o: { quick?: boolean; failoverMs?: number } = {}): RegionRun {
  return {
    startedAt: new Date('2025-01-02T03:04:05Z'),
    machine: { cpuModel: 'Test CPU', cores: 2, totalMemoryGiB: 8, node: 'v20.20.0', os: 'linux' },
    command: 'node test/dist/bench/region/region-bench.js --out docs/benchmarks.md',
    options: parseRegionBenchArgs(o.quick ? ['--quick'] : []),
    northds: 2,
    southds: 2,
    fleet: {
      shape: { size: 1000, interfacesPerChassis: 2, chassisPerVpc: 10 },
      vpcs: 100,
      interfaces: 2000,
      registeredMs: 9_000,
      emptyConvergedMs: 10_500,
      dataConvergedMs: 2_250,
      restartSyncedMs: 8_000,
      pollIntervalMs: 20,
    },
    idle: active(30, 60),
    load: {
      report: report(),
      thirds: { firstPerSecond: 510, lastPerSecond: 495, secondsPerThird: 40 },
      underLoad: active(300, 900, 1),
      memory: [memoryRow('northd-0', 150, 150), memoryRow('southd-0', 120, 126)],
      cpuMs: new Map([
        ['northd', 60_000],
        ['mariadb', 30_000],
        ['bench', 10_000],
      ]),
      wallMs: 100_000,
    },
    hammerInterfacesPerVpc: 8,
    hammerVpcs: 8,
    failover: {
      leaseTtlMs: 3000,
      chassisTotal: 1002,
      pollIntervalMs: 20,
      reps: [
        { rep: 1, chassis: 501, reownedMs: 3100, convergedMs: 3600 },
        { rep: 2, chassis: 501, reownedMs: 3300, convergedMs: o.failoverMs ?? 3900 },
      ],
    },
    wallSeconds: 300,
    loadAverage: { start: 0.25, end: 1.5 },
  };
}

describe('regionMarkdown', () => {
  it('states when, where, how and with which command the figures were measured', () => {
    const text = regionMarkdown(fixtureRun());
    assert.match(text, /^## region: /);
    assert.match(text, /Measured 2025-01-02T03:04:05.000Z on Test CPU, 2 cores/);
    assert.match(
      text,
      /Command: `node test\/dist\/bench\/region\/region-bench.js --out docs\/benchmarks.md`/,
    );
    assert.match(text, /load average was\s+0\.25 when the run started and 1\.50 when/);
    assert.doesNotMatch(text, /Quick run/);
  });

  it('says so when the run was --quick', () => {
    assert.match(regionMarkdown(fixtureRun({ quick: true })), /\*\*Quick run/);
  });

  it('has a section for each figure with its numbers', () => {
    const text = regionMarkdown(fixtureRun());
    for (const heading of [
      '### A fleet of 1000 simulated chassis from empty',
      '### API throughput and p99 under the hammer',
      '### Change -> ACTIVE, idle and under the hammer',
      '### CPU per call under the hammer',
      '### Memory of each service under the hammer',
      '### Failover after kill -9 of a northd',
    ]) {
      assert.ok(text.includes(heading), heading);
    }
    assert.match(
      text,
      /\| interfaces written, generations bumped \| every chassis acknowledged its state \| 1000 \| 2000 \| 2\.25 \|/,
    );
    assert.match(text, /\*\*500 calls\/s\*\*, p99 \*\*250\.0 ms\*\*/);
    assert.match(
      text,
      /\| \*\*all\*\* \| 60000 \| DeadlineExceeded 10 \| 500 \| 40\.0 \| 250\.0 \| 252\.0 \|/,
    );
    assert.match(text, /510 calls\/s over the first 40 s and\s+495 calls\/s over the last 40 s/);
    assert.match(text, /\| idle \| 100 \| 30\.0 \| 60\.0 \| 65\.0 \| 0 \| 0 \| met \|/);
    assert.match(
      text,
      /\| under the hammer \| 100 \| 300\.0 \| 900\.0 \| 905\.0 \| 1 \| 0 \| \*\*not met\*\* \|/,
    );
    // 100 s of CPU over 100 s of load and 60,000 calls: 1.67 ms a call, at most 1,200 a second.
    assert.match(text, /\| northd \(both\) \| 0\.60 \| 1\.00 \| 60% \|/);
    assert.match(text, /\| \*\*all\*\* \| 1\.00 \| 1\.67 \| 100% \|/);
    assert.match(text, /about\s+1200 calls\/s at this mix/);
    assert.match(text, /\| 2 \| 501 \| 3300\.0 \| 3900\.0 \|/);
    assert.match(text, /share the 1002 chassis evenly/);
    assert.match(text, /register and sync 16 at a time/);
  });

  const failovers = [
    { desc: 'within lease TTL + 2 s', failoverMs: 5000, verdict: 'met' },
    { desc: 'over lease TTL + 2 s', failoverMs: 5000.5, verdict: '**not met**' },
  ];
  for (const { desc, failoverMs, verdict } of failovers) {
    it(`gives the failover verdict on the slowest repetition: ${desc}`, () => {
      const text = regionMarkdown(fixtureRun({ failoverMs }));
      assert.ok(text.includes(`lease TTL + 2 s = 5000 ms:\n${verdict}.`), text);
    });
  }
});

describe('memory', () => {
  it('tabulates each process: RSS and peaks in MiB, and the growth of the peak', () => {
    const table = memoryTable([memoryRow('southd-0', 120, 126)]);
    assert.match(
      table,
      /\| southd-0 \| 100\.0 \| 110\.0 \| 120\.0 \| 112\.0 \| 126\.0 \| 6\.0 MiB \(5%\) \|/,
    );
  });

  it('names the process whose peak grew most', () => {
    const text = memorySummary([memoryRow('northd-0', 150, 150), memoryRow('southd-0', 120, 126)]);
    assert.match(text, /6\.0 MiB \(5%, southd-0\)/);
    assert.match(text, /reset when the load started/);
  });

  it('says when the peaks could not be reset', () => {
    const row = { ...memoryRow('northd-0', 150, 150), peakReset: false };
    assert.match(memorySummary([row]), /refused to reset the peaks/);
  });
});

describe('regionText', () => {
  it('prints one line per figure', () => {
    const lines = regionText(fixtureRun()).split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[0] ?? '', /^fleet of 1000: registered 9\.00 s/);
    assert.match(lines[4] ?? '', /max 3900\.0, target 5000/);
  });
});
