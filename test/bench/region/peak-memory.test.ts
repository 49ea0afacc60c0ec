import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import {
  MemorySampler,
  parseProcStatus,
  peakGrowth,
  readProcessMemory,
  resetPeak,
  type MemoryRow,
} from './peak-memory.js';

const status = `Name:\tnode
Umask:\t0022
State:\tS (sleeping)
VmPeak:\t 1234568 kB
VmSize:\t 1200000 kB
VmHWM:\t  204800 kB
VmRSS:\t  102400 kB
RssAnon:\t   80000 kB
Threads:\t11
`;

const mib = 2 ** 20;

const peakThenFree = `
let big = Buffer.alloc(128 * 2 ** 20, 1); big = undefined; globalThis.gc();
setTimeout(() => { globalThis.gc(); process.stdout.write('ready\\n'); }, 100);
setInterval(() => {}, 1000);`;

describe('parseProcStatus', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    assert.deepEqual(parseProcStatus(status), { rssBytes: 100 * mib, peakBytes: 200 * mib });
  });

  it('throws, naming the field, when a line is missing', () => {
    assert.throws(() => parseProcStatus('Name:\tnode\nVmRSS:\t 1 kB\n'), /no VmHWM line/);
  });
});

describe('readProcessMemory', () => {
  it('reads this process: a resident size at most its peak', async () => {
    const m = await readProcessMemory(process.pid);
    assert.ok(m.rssBytes > 0);
    assert.ok(m.peakBytes >= m.rssBytes);
  });

  it('resetPeak brings the peak of a process down to its resident size', async (t) => {
    // A child whose peak is 128 MiB above what stays resident: touched, freed, collected.
    const child = spawn(process.execPath, ['--expose-gc', '-e', peakThenFree], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill());
    await once(child.stdout, 'data');
    const before = await readProcessMemory(child.pid!);
    assert.ok(before.peakBytes - before.rssBytes > 100 * mib, JSON.stringify(before));
    if (!(await resetPeak(child.pid!))) {
      t.skip('this kernel does not reset VmHWM (clear_refs)');
      return;
    }
    const after = await readProcessMemory(child.pid!);
    assert.ok(after.peakBytes - after.rssBytes < 16 * mib, JSON.stringify(after));
  });
});

describe('MemorySampler', () => {
  it('gives one row per process read at the start, the third and the end', async () => {
    const sampler = new MemorySampler([{ service: 'self', pid: process.pid }]);
    await sampler.atStart();
    assert.deepEqual(sampler.rows(), [], 'no row before the end');
    await sampler.atThird();
    await sampler.atEnd();
    const rows = sampler.rows();
    assert.deepEqual(
      rows.map((r) => r.service),
      ['self'],
    );
    assert.ok(rows.every((r) => r.end.peakBytes >= r.end.rssBytes));
  });

  it('rejects when a process is gone', async () => {
    const sampler = new MemorySampler([{ service: 'gone', pid: 2 ** 22 + 1 }]);
    await assert.rejects(sampler.atThird(), /ENOENT/);
  });
});

describe('peakGrowth', () => {
  const row = (thirdPeak: number, endPeak: number): MemoryRow => ({
    service: 'northd-0',
    startRssBytes: 90 * mib,
    third: { rssBytes: 95 * mib, peakBytes: thirdPeak * mib },
    end: { rssBytes: 96 * mib, peakBytes: endPeak * mib },
    peakReset: true,
  });

  it('is the peak at the end less the peak after the first third', () => {
    assert.deepEqual(peakGrowth(row(100, 110)), { bytes: 10 * mib, share: 0.1 });
  });

  it('is zero when the first third already held the peak', () => {
    assert.deepEqual(peakGrowth(row(100, 100)), { bytes: 0, share: 0 });
  });
});
