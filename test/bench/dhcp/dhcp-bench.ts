// `make bench` (dhcp): hvaddr's DHCP transactions per second, and its peak memory under a flood
// of distinct MACs, written to the dhcp section of docs/benchmarks.md.
import { loadavg } from 'node:os';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { benchChassisState, startBenchChassisStub } from './dhcp-chassis-stub.js';
import { dhcpMarkdown, type DhcpBenchOptions, type DhcpRun } from './dhcp-markdown.js';
import { runHammer, startHvaddrProcess } from './dhcp-process.js';
import { describeMachine } from '../common/machine.js';
import { sumOf } from '../common/prom-text.js';
import { writeSection } from '../common/report.js';

const usage = `usage: node test/dist/bench/dhcp/dhcp-bench.js [--out FILE] [--clients N] [--seconds S]
  [--concurrency N] [--flood-macs N] [--flood-rate R]

  --out FILE         write the results into FILE's dhcp section (docs/benchmarks.md)
  --clients N        bound clients cycled through by the transactions (default 1000)
  --seconds S        measured seconds of transactions (default 5)
  --concurrency N    exchanges in flight (default 32)
  --flood-macs N     distinct MACs of the flood (default 100000)
  --flood-rate R     flood packets per second (default 20000)`;

const macPrefix = '02:b0:00';

function parseOptions(argv: string[]): DhcpBenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      out: { type: 'string' },
      clients: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: '32' },
      'flood-macs': { type: 'string', default: '100000' },
      'flood-rate': { type: 'string', default: '20000' },
    },
  });
  const problems: string[] = [];
  const whole = (name: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) problems.push(`--${name} must be a whole number >= 1`);
    return n;
  };
  const options = {
    out: values.out,
    clients: whole('clients', values.clients),
    seconds: whole('seconds', values.seconds),
    concurrency: whole('concurrency', values.concurrency),
    floodMacs: whole('flood-macs', values['flood-macs']),
    floodRatePerS: whole('flood-rate', values['flood-rate']),
  };
  if (options.clients > 60_000) problems.push('--clients must be at most 60000');
  if (problems.length > 0) throw new Error(problems.join('; '));
  return options;
}

/** The bench chassis' hvaddr, on loopback, reading its bindings from `northd`. */
const hvaddrEnv = (northd: string): Record<string, string> => ({
  CHASSIS_ID: 'bench',
  NORTHD_ADDR: northd,
  DHCP_CLIENT_IDENTITY: 'chaddr',
  DHCP_LISTEN: '127.0.0.1:0',
  METRICS_LISTEN: '127.0.0.1:0',
});

async function measureTransactions(
  o: DhcpBenchOptions,
  northd: string,
): Promise<DhcpRun['transactions']> {
  const server = await startHvaddrProcess({ ...hvaddrEnv(northd), RATE_LIMIT_PER_S: '1000000' });
  try {
    // Closed loop: `concurrency` exchanges in flight, each DISCOVER-OFFER-REQUEST-ACK.
    const args = (seconds: number) => [
      ...['--mix', 'transaction', '--server', `127.0.0.1:${server.dhcpPort}`],
      ...['--relay', '127.0.0.2', '--clients', String(o.clients), '--mac-prefix', macPrefix],
      ...['--concurrency', String(o.concurrency), '--duration', `${seconds}s`],
    ];
    await runHammer(args(1));
    const { totals, elapsedMs } = await runHammer(args(o.seconds));
    return {
      completed: totals.ok,
      failed: totals.errorCount,
      perSecond: (totals.ok / elapsedMs) * 1000,
      p50Ms: totals.latencyMs.p50,
      p99Ms: totals.latencyMs.p99,
      peakRssBytes: (await server.memory()).peakRssBytes,
    };
  } finally {
    await server.stop();
  }
}

async function measureFlood(o: DhcpBenchOptions, northd: string): Promise<DhcpRun['flood']> {
  const server = await startHvaddrProcess(hvaddrEnv(northd));
  try {
    const baseline = await server.memory();
    // Open loop: each of the MACs sends one DISCOVER, at the flood's rate.
    const { totals, elapsedMs } = await runHammer([
      ...['--mix', 'flood', '--server', `127.0.0.1:${server.dhcpPort}`, '--relay', '127.0.0.2'],
      ...['--clients', String(o.floodMacs), '--mac-prefix', '02:f1:00'],
      ...[
        '--rate',
        `${o.floodRatePerS}/s`,
        '--duration',
        `${(o.floodMacs / o.floodRatePerS) * 1000}ms`,
      ],
    ]);
    // Let the server read what is still queued at its socket.
    let received = -1;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const now = sumOf(await server.metrics(), 'hvaddr_packets_received_total');
      if (now === received) break;
      received = now;
    }
    const samples = await server.metrics();
    return {
      sent: totals.ok,
      achievedPerS: (totals.ok / elapsedMs) * 1000,
      received,
      rateLimited: sumOf(samples, 'hvaddr_rate_limited_total'),
      unknownClient: sumOf(samples, 'hvaddr_dropped_total', { reason: 'unknown_client' }),
      evictions: sumOf(samples, 'hvaddr_client_evictions_total'),
      tracked: sumOf(samples, 'hvaddr_clients_tracked'),
      capacity: sumOf(samples, 'hvaddr_clients_capacity'),
      baselineRssBytes: baseline.rssBytes,
      peakRssBytes: (await server.memory()).peakRssBytes,
    };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  let options: DhcpBenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err: unknown) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage}\n`);
    process.exitCode = 2;
    return;
  }
  const startedAt = new Date();
  const loadAverage = loadavg()[0] ?? NaN;
  const northd = await startBenchChassisStub(
    benchChassisState('bench', options.clients, macPrefix),
  );
  try {
    const transactions = await measureTransactions(options, northd.address);
    process.stderr.write(`transactions: ${transactions.perSecond.toFixed(0)}/s\n`);
    const flood = await measureFlood(options, northd.address);
    const run: DhcpRun = {
      startedAt,
      machine: describeMachine(),
      command: [
        'node',
        relative(process.cwd(), process.argv[1] ?? 'dhcp-bench.js'),
        ...process.argv.slice(2),
      ].join(' '),
      loadAverage,
      options,
      transactions,
      flood,
    };
    process.stdout.write(`${JSON.stringify({ transactions, flood })}\n`);
    if (options.out !== undefined) {
      await writeSection(options.out, 'dhcp', dhcpMarkdown(run));
      process.stdout.write(`wrote section dhcp of ${options.out}\n`);
    }
  } finally {
    await northd.stop();
  }
}

await main();
