import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dhcpMarkdown } from './dhcp-markdown.js';

describe('dhcpMarkdown', () => {
  it('renders both tables with the figures and the parameters', () => {
    const text = dhcpMarkdown({
      startedAt: new Date('2025-01-01T00:00:00Z'),
      machine: { cpuModel: 'cpu', cores: 2, totalMemoryGiB: 24, node: 'v20.20.0', os: 'linux' },
      command: 'node test/dist/bench/dhcp/dhcp-bench.js',
      loadAverage: 0.5,
      options: {
        out: undefined,
        clients: 1000,
        seconds: 5,
        concurrency: 32,
        floodMacs: 100_000,
        floodRatePerS: 20_000,
      },
      transactions: {
        completed: 50_000,
        failed: 0,
        perSecond: 10_000,
        p50Ms: 2.5,
        p99Ms: 9,
        peakRssBytes: 80 * 2 ** 20,
      },
      flood: {
        sent: 100_000,
        achievedPerS: 19_900,
        received: 99_000,
        rateLimited: 0,
        unknownClient: 99_000,
        evictions: 89_000,
        tracked: 10_000,
        capacity: 10_000,
        baselineRssBytes: 60 * 2 ** 20,
        peakRssBytes: 75 * 2 ** 20,
      },
    });
    assert.match(text, /^## dhcp:/);
    assert.match(text, /\| 10000 \| 50000 \| 0 \| 2\.50 \| 9\.00 \| 80\.0 MiB \|/);
    assert.match(
      text,
      /\| 100000 \| 19900 \| 99000 \| 99000 \| 0 \| 89000 \| 10000 \/ 10000 \| 60\.0 MiB \| 75\.0 MiB \|/,
    );
    assert.match(text, /100,000 distinct MACs/);
    assert.match(text, /load average\n0\.50 when it started/);
  });
});
