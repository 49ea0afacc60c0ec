// `node test/dist/bench/packets/packets-bench.js --out docs/benchmarks.md`: packets during faults. A
// local region whose chassis hv1 runs a private Open vSwitch (userspace datapath); under the
// chaos suite's write load, each fault of test/chaos/packet-faults.ts runs while a loop of
// `ovs-appctl ofproto/trace` on hv1's bridge traces traffic between two interfaces of one VPC,
// across VPCs, and spoofed. Written to the packets-during-faults section: how long the allowed
// traffic stopped (it should not, for a northd or southd failure) and any packet that leaked.
// Needs root and Open vSwitch.
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ovsSandboxUnavailable } from '@vpcd/hvflowd/testing';
import { createPacketFixture } from '../../chaos/packet-fixture.js';
import { packetFaults } from '../../chaos/packet-faults.js';
import { packetsUnderLoad } from '../../chaos/packets-under-load.js';
import { startRegion } from '../../region/local-region.js';
import { describeMachine } from '../common/machine.js';
import { markdownTable } from '../common/markdown-table.js';
import { writeSection } from '../common/report.js';

const sectionName = 'packets-during-faults';

function step(text: string): void {
  process.stderr.write(`packets bench: ${text}\n`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } }, strict: true });
  const unavailable = await ovsSandboxUnavailable();
  if (unavailable) {
    process.stderr.write(`packets bench: skipped, ${unavailable}\n`);
    return;
  }
  const startedAt = new Date();
  const loadAtStart = loadavg()[0] ?? NaN;
  const runDir = mkdtempSync(join(tmpdir(), 'vpcd-packets-bench-'));
  step(`starting the region; the services log to ${runDir}`);
  const region = await startRegion({
    runDir,
    chassis: [
      { id: 'hv1', underlayIp: '192.0.2.1', datapath: 'ovs' },
      { id: 'hv2', underlayIp: '192.0.2.2', datapath: 'memory' },
    ],
  });
  const rows: string[][] = [];
  try {
    const fixture = await createPacketFixture(region, 0, 'packets-bench');
    for (const fault of packetFaults) {
      step(fault.title);
      const w = await packetsUnderLoad(region, 0, fixture, `bench-${fault.name}`, ['hv2'], () =>
        fault.run(region),
      );
      rows.push([
        fault.title,
        String(w.rounds),
        String(w.roundMs),
        String(w.failedRounds),
        String(w.longestInterruptionMs),
        String(w.leaks.length),
      ]);
      process.stdout.write(
        `${fault.name}: ${w.rounds} rounds of ${w.roundMs} ms, a1 -> a2 failed in ${w.failedRounds}, ` +
          `longest interruption ${w.longestInterruptionMs} ms, leaks ${w.leaks.length}\n`,
      );
    }
  } finally {
    step('stopping the region');
    await region.stop();
  }
  const m = describeMachine();
  const script = relative(process.cwd(), process.argv[1] ?? 'packets-bench.js');
  const body = `## packets-during-faults: allowed traffic and isolation while parts fail

Measured ${startedAt.toISOString()} on ${m.cpuModel}, ${m.cores} cores, Node ${m.node}; 1-minute
load average ${loadAtStart.toFixed(2)} at the start, ${(loadavg()[0] ?? NaN).toFixed(2)} at the end.

Command: \`${['node', script, ...process.argv.slice(2)].join(' ')}\`

Set-up: the local region (2 northd, 2 southd, mutual TLS); chassis hv1 on a private Open
vSwitch (userspace datapath) holds a1 and a2 of one VPC and b1 of another tenant's VPC at a2's
address; the chaos suite's write load runs on chassis hv2 (memory datapath). From before the load
until the history check and zero-diff audit after the fault have passed, a loop traces with
\`ovs-appctl ofproto/trace\` on hv1's bridge, every round: a1 -> a2 (must pass), a1 -> b1 and
b1 -> a1 (across VPCs), a1 -> a2 from a2's address and from b1's MAC (spoofed); the last four
must leave by no port. An interruption runs from the last round in which a1 -> a2 passed to the
next; its resolution is one round. Target: no interruption for a northd or southd failure, no
leak ever.

${markdownTable(
  [
    'fault',
    'rounds',
    'ms a round (median)',
    'rounds a1 -> a2 failed',
    'longest interruption ms',
    'leaks',
  ],
  rows,
)}
`;
  if (values.out !== undefined) {
    await writeSection(values.out, sectionName, body);
    process.stdout.write(`wrote section ${sectionName} of ${values.out}\n`);
  }
}

await main();
