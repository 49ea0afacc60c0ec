import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LatencySummary } from '../common/latency-summary.js';
import { parseNorthdBenchArgs } from './northd-args.js';
import { databaseName, errorsText, northdMarkdown } from './northd-markdown.js';
import type { NorthdRun } from './northd-run.js';
import type { NorthdWindow } from './northd-scrape.js';
import { northdText } from './northd-text.js';

const latency = (p50Ms: number, p99Ms: number, count = 100): LatencySummary => ({
  count,
  p50Ms,
  p99Ms,
  maxMs: p99Ms + 1,
});

const window = (id: string): NorthdWindow => ({
  id,
  ownedChassis: 500,
  passes: 2,
  passSeconds: 0.75,
  longestPassAtMostSeconds: 0.5,
  acksApplied: 480,
  lagCount: 470,
  lagMeanSeconds: 0.4,
  cpuSeconds: 3,
});

function fixtureRun(overrides: { activeP99Ms?: number; syncP99Ms?: number } = {}): NorthdRun {
  return {
    startedAt: new Date('2025-01-02T03:04:05Z'),
    machine: { cpuModel: 'Test CPU', cores: 2, totalMemoryGiB: 8, node: 'v20.20.0', os: 'linux' },
    command: 'node test/dist/bench/northd/northd-bench.js --out docs/benchmarks.md',
    options: parseNorthdBenchArgs(['--out', 'docs/benchmarks.md']),
    instances: 2,
    databaseVersion: '10.11.19-MariaDB-0+deb12u1',
    latency: {
      active: latency(40, overrides.activeP99Ms ?? 80),
      create: latency(10, 20),
      toSouthd: latency(20, 40),
      ackConfirm: latency(2, 5),
      toActive: latency(4, 8),
      pollIntervalMs: 2,
      timedOut: 0,
      timeoutMs: 10_000,
    },
    create: {
      ok: latency(250, 480, 1000),
      errors: {},
      elapsedMs: 10_000,
      callsPerSecond: 100,
      northd: [window('north-a'), window('north-b')],
      machineBusyCores: 1.8,
      drainMs: 30,
    },
    sync: {
      latency: latency(20, overrides.syncP99Ms ?? 45, 300),
      warmupCalls: 10,
      ports: 1000,
      remotePorts: 0,
      vpcs: 1,
      stateBytes: 120_000,
    },
    converge: {
      shape: { chassis: 1000, interfacesPerChassis: 3, chassisPerVpc: 10 },
      vpcs: 100,
      interfaces: 3000,
      pollIntervalMs: 5,
      passes: [1, 2].map((pass) => ({
        pass,
        chassis: 1000,
        allAckedMs: 1500 + pass,
        northd: [window('north-a'), window('north-b')],
      })),
      medianAllAckedMs: 1501.5,
    },
    fakeSouthdAcks: 7000,
    logLines: { 'north-a': { starting: 2, ready: 0 }, 'north-b': { starting: 2, ready: 1 } },
    wallSeconds: 61,
    loadAverage: { start: 0.5, end: 2.25 },
  };
}

describe('northdMarkdown', () => {
  it('states when, where and how the figures were measured', () => {
    const text = northdMarkdown(fixtureRun());
    assert.match(text, /^## northd: /);
    assert.match(text, /Measured 2025-01-02T03:04:05.000Z on Test CPU, 2 cores/);
    assert.match(
      text,
      /Command: `node test\/dist\/bench\/northd\/northd-bench.js --out docs\/benchmarks.md`/,
    );
    assert.match(text, /local MariaDB 10\.11\.19 and/);
    assert.match(text, /load average was\s+0\.50 when the run started and 2\.25 when\s+it ended/);
    assert.match(text, /1000\s+interfaces, 300 calls/);
  });

  it('has a table for each figure, each row as wide as its header', () => {
    const text = northdMarkdown(fixtureRun());
    for (const heading of [
      '### Change -> ACTIVE at idle',
      '### CreateInterface throughput',
      '### SyncInitialChassis, 1000 interfaces',
      '### One converge pass over 1000 chassis',
    ]) {
      assert.ok(text.includes(heading), heading);
    }
    assert.match(text, /\| 1000 \| 10\.0 \| 100 \| 250\.0 \| 480\.0 \| 481\.0 \| none \|/);
    assert.match(
      text,
      /\| 1 \| 1000 \| 1501\.0 \| north-a \| 500 \| 2 \| 750\.0 \| ≤ 500 \| 480 \| 400\.0 \|/,
    );
    assert.match(text, /\*\*1501\.5 ms\*\* over 2 passes/);
  });

  const verdicts = [
    { desc: 'both targets met', run: fixtureRun(), active: 'met', sync: 'met' },
    {
      desc: 'change -> ACTIVE p99 over 100 ms',
      run: fixtureRun({ activeP99Ms: 100.5 }),
      active: '**not met**',
      sync: 'met',
    },
    {
      desc: 'SyncInitialChassis p99 at 50 ms (the target is under 50)',
      run: fixtureRun({ syncP99Ms: 50 }),
      active: 'met',
      sync: '**not met**',
    },
  ];
  for (const { desc, run, active, sync } of verdicts) {
    it(`gives the verdicts on the targets: ${desc}`, () => {
      const text = northdMarkdown(run);
      assert.ok(text.includes(`against the target of 100 ms: ${active}\n`), 'change -> ACTIVE');
      assert.ok(text.includes(`| ${sync} |`), 'SyncInitialChassis');
    });
  }
});

describe('northdText', () => {
  it('prints one line per figure with the verdicts', () => {
    const lines = northdText(fixtureRun({ activeP99Ms: 120 })).split('\n');
    assert.equal(lines.length, 5);
    assert.match(lines[1] ?? '', /p99 120\.0 ms.*NOT MET/);
    assert.match(lines[3] ?? '', /SyncInitialChassis.*met\)$/);
  });
});

describe('helpers', () => {
  it('lists errors by code, most frequent first, or none', () => {
    assert.equal(errorsText({}), 'none');
    assert.equal(
      errorsText({ Aborted: 1, Unavailable: 3, Internal: 0 }),
      'Unavailable 3, Aborted 1',
    );
  });
  it('names the database server from its version string', () => {
    assert.equal(databaseName('10.11.19-MariaDB-0+deb12u1'), 'MariaDB 10.11.19');
    assert.equal(databaseName('8.0.36'), 'MySQL 8.0.36');
  });
});
