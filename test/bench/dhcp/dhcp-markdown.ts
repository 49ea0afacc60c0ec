import type { Machine } from '../common/machine.js';
import { fixed, markdownTable } from '../common/markdown-table.js';

export interface DhcpBenchOptions {
  readonly out: string | undefined;
  readonly clients: number;
  readonly seconds: number;
  readonly concurrency: number;
  readonly floodMacs: number;
  readonly floodRatePerS: number;
}

export interface DhcpRun {
  readonly startedAt: Date;
  readonly machine: Machine;
  readonly command: string;
  /** The machine's 1-minute load average when the run started: other processes' share. */
  readonly loadAverage: number;
  readonly options: DhcpBenchOptions;
  readonly transactions: {
    readonly completed: number;
    readonly failed: number;
    readonly perSecond: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly peakRssBytes: number;
  };
  readonly flood: {
    readonly sent: number;
    readonly achievedPerS: number;
    /** Datagrams the server read (the rest the kernel dropped at its socket). */
    readonly received: number;
    readonly rateLimited: number;
    readonly unknownClient: number;
    readonly evictions: number;
    readonly tracked: number;
    readonly capacity: number;
    readonly baselineRssBytes: number;
    readonly peakRssBytes: number;
  };
}

const mib = (bytes: number) => `${fixed(bytes / 2 ** 20, 1)} MiB`;

/** The `dhcp` section of docs/benchmarks.md. */
export function dhcpMarkdown(run: DhcpRun): string {
  const { machine: m, options: o, transactions: t, flood: f } = run;
  return `## dhcp: hvaddr transactions per second and memory under a MAC flood

Measured ${run.startedAt.toISOString()} on ${m.cpuModel}, ${m.cores} cores,
${m.totalMemoryGiB.toFixed(1)} GiB memory, Node ${m.node} (${m.os}); load average
${fixed(run.loadAverage, 2)} when it started (figures from a busy machine are lower).

Command: \`${run.command}\`

hvaddr runs in its own process (\`services/hvaddr/dist/main.js\`) on 127.0.0.1, its bindings read
from a stand-in ChassisService; the load comes from the hammer (\`tools/hammer\`, \`--mode dhcp\`)
in another process over loopback.

**Transactions.** ${o.clients} bound clients, ${o.concurrency} DISCOVER-OFFER-REQUEST-ACK
exchanges in flight (closed loop, as a relay agent so replies come back by unicast), ${o.seconds} s
after 1 s of warm-up. The rate limit is raised out of the way (RATE_LIMIT_PER_S=1000000) so the
figure is the server's throughput; the limiter still runs on every request.

${markdownTable(
  ['transactions/s', 'completed', 'failed', 'p50 ms', 'p99 ms', 'server peak RSS'],
  [
    [
      fixed(t.perSecond, 0),
      String(t.completed),
      String(t.failed),
      fixed(t.p50Ms, 2),
      fixed(t.p99Ms, 2),
      mib(t.peakRssBytes),
    ],
  ],
)}

**Flood.** A fresh server with the default limits (RATE_LIMIT_PER_S=5, MAX_CLIENTS=10000)
receives DHCPDISCOVERs from ${o.floodMacs.toLocaleString('en')} distinct MACs, none of them bound,
at ${o.floodRatePerS.toLocaleString('en')} per second (the hammer's \`flood\` call, open loop). Peak RSS is the
server's VmHWM.

${markdownTable(
  [
    'sent',
    'sent/s',
    'read by server',
    'unknown client',
    'rate limited',
    'evictions',
    'clients tracked / capacity',
    'RSS before',
    'peak RSS',
  ],
  [
    [
      String(f.sent),
      fixed(f.achievedPerS, 0),
      String(f.received),
      String(f.unknownClient),
      String(f.rateLimited),
      String(f.evictions),
      `${f.tracked} / ${f.capacity}`,
      mib(f.baselineRssBytes),
      mib(f.peakRssBytes),
    ],
  ],
)}

Client state is bounded by MAX_CLIENTS whatever the number of MACs: the least recently seen
client's rate is evicted first.`;
}
