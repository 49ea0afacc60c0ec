// `node test/dist/bench/southbound/southbound-bench.js --out docs/benchmarks.md`: the southbound figures of
// issue 4: compile + diff time for a chassis with 1,000 interfaces, flows applied per second on
// Open vSwitch, and converge states delivered per second through RabbitMQ and southd to a fleet.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase } from '@vpcd/db';
import { compileFlows, diff, renderFlowMods } from '@vpcd/flows';
import { chassisProgress, requestFullStates } from '@vpcd/northd/testing';
import { ovsSandboxUnavailable, startOvsSandbox } from '@vpcd/hvflowd/testing';
import { createLogger, createRegistry } from '@vpcd/observability';
import { startRegion } from '../../region/local-region.js';
import { describeMachine } from '../common/machine.js';
import { fixed, markdownTable } from '../common/markdown-table.js';
import { writeSection } from '../common/report.js';
import { largeChassisState } from './southbound-state.js';
import { median, percentile } from '../common/stats.js';

const { values } = parseArgs({
  options: { out: { type: 'string' }, fleet: { type: 'string' }, rounds: { type: 'string' } },
  strict: true,
});
const fleetSize = Number(values.fleet ?? '500');
const rounds = Number(values.rounds ?? '3');
const say = (line: string) => process.stdout.write(`${line}\n`);
const sorted = (xs: number[]) => Float64Array.from(xs).sort();

// 1. Compile + diff, pure.
const { state, portNumbers } = largeChassisState(1000);
const next = largeChassisState(1000, 2);
next.state.ports.pop(); // one interface gone: the diff of a typical change
const compileMs: number[] = [];
const diffMs: number[] = [];
let flowCount = 0;
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  const flows = compileFlows(state, { portNumbers, tunnelPort: 5000 });
  const t1 = performance.now();
  const nextFlows = compileFlows(next.state, { portNumbers, tunnelPort: 5000 });
  const t2 = performance.now();
  diff(flows, nextFlows);
  const t3 = performance.now();
  compileMs.push(t1 - t0);
  diffMs.push(t3 - t2);
  flowCount = flows.length;
}
say(
  `compile 1,000 interfaces (${flowCount} flows): p50 ${fixed(median(compileMs), 1)} ms; diff p50 ${fixed(median(diffMs), 1)} ms`,
);

// 2. Flows applied per second on a real (userspace) Open vSwitch, as hvflowd applies them.
let ovsLine = 'not measured: ';
const ovsRows: string[][] = [];
const unavailable = await ovsSandboxUnavailable();
if (unavailable) ovsLine += unavailable;
else {
  const sandbox = await startOvsSandbox();
  try {
    await sandbox.run('ovs-vsctl', [
      'add-br',
      'br-int',
      '--',
      'set',
      'bridge',
      'br-int',
      'datapath_type=netdev',
      'protocols=OpenFlow10,OpenFlow13,OpenFlow15',
    ]);
    const flows = compileFlows(state, { portNumbers, tunnelPort: 5000 });
    for (let r = 0; r < rounds; r++) {
      const add = renderFlowMods(diff([], flows)).join('\n');
      let t = performance.now();
      await sandbox.run(
        'ovs-ofctl',
        ['-O', 'OpenFlow15', '--bundle', 'add-flows', 'br-int', '-'],
        add,
      );
      const addS = (performance.now() - t) / 1000;
      const remove = renderFlowMods(diff(flows, [])).join('\n');
      t = performance.now();
      await sandbox.run(
        'ovs-ofctl',
        ['-O', 'OpenFlow15', '--bundle', 'add-flows', 'br-int', '-'],
        remove,
      );
      const removeS = (performance.now() - t) / 1000;
      ovsRows.push([
        String(r + 1),
        String(flows.length),
        fixed(flows.length / addS, 0),
        fixed(flows.length / removeS, 0),
      ]);
    }
    ovsLine = `median ${fixed(median(ovsRows.map((r) => Number(r[2]))), 0)} flows/s added in one bundle`;
  } finally {
    await sandbox.stop();
  }
}
say(`Open vSwitch: ${ovsLine}`);

// 3. Converge states delivered per second through RabbitMQ and southd to a simulated fleet.
const region = await startRegion({
  runDir: mkdtempSync(join(tmpdir(), 'vpcd-bench-')),
  chassis: [],
  fleetSize,
  // Plaintext, as the earlier runs in docs/benchmarks.md were measured.
  tls: false,
});
const deliverRows: string[][] = [];
try {
  const db = createDatabase({
    url: region.mysqlUrl,
    logger: createLogger({ name: 'bench', level: 'silent' }),
    registry: createRegistry({ service: 'bench', collectDefault: false }),
  });
  const behind = async () =>
    Number(
      (
        await db.query<{ n: number }>('SELECT COUNT(DISTINCT chassis_id) AS n FROM chassis_changes')
      )[0]!.n,
    );
  const total = async () =>
    Number((await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM chassis'))[0]!.n);
  const waitConverged = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while ((await behind()) > 0 || (await total()) < fleetSize) {
      if (Date.now() > deadline) throw new Error('the fleet did not converge');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitConverged(300_000);
  for (let r = 0; r < rounds; r++) {
    const t = performance.now();
    await requestFullStates(
      db,
      (await chassisProgress(db)).map((c) => c.id),
    );
    await waitConverged(300_000);
    const seconds = (performance.now() - t) / 1000;
    deliverRows.push([
      String(r + 1),
      String(fleetSize),
      fixed(seconds, 2),
      fixed(fleetSize / seconds, 0),
    ]);
    say(`round ${r + 1}: ${fleetSize} states delivered and acknowledged in ${fixed(seconds, 2)} s`);
  }
  await db.close();
} finally {
  await region.stop();
}
const statesPerSecond = median(deliverRows.map((r) => Number(r[3])));

const machine = describeMachine();
const body = `## southbound: flows and converge delivery

Measured ${new Date().toISOString()} on ${machine.cpuModel}, ${machine.cores} cores,
${machine.totalMemoryGiB.toFixed(1)} GiB memory, Node ${machine.node} (${machine.os}).

Command: \`node test/dist/bench/southbound/southbound-bench.js --out docs/benchmarks.md\` (fleet ${fleetSize}, rounds ${rounds})

### Compile and diff, one chassis with 1,000 interfaces

${flowCount} flows (100 VPCs, 1,000 local and 1,000 remote interfaces); the diff is against the same
chassis with one interface fewer. 30 runs.

${markdownTable(
  ['step', 'p50 (ms)', 'p99 (ms)'],
  [
    ['compile', fixed(median(compileMs), 2), fixed(percentile(sorted(compileMs), 0.99), 2)],
    ['diff', fixed(median(diffMs), 2), fixed(percentile(sorted(diffMs), 0.99), 2)],
  ],
)}

### Flows applied per second on Open vSwitch

The 1,000-interface flow set added to an empty \`br-int\` (userspace \`netdev\` datapath) in one
\`ovs-ofctl --bundle\` transaction, then removed in one, as hvflowd applies a diff: ${ovsLine}.

${ovsRows.length > 0 ? markdownTable(['round', 'flows', 'added/s', 'removed/s'], ovsRows) : ''}

### Converge states delivered per second to a fleet of ${fleetSize} simulated chassis

Every chassis gets a new desired generation in one statement; timed until every one has
acknowledged it: northd (2) computes and publishes, RabbitMQ carries, southd (2) applies on the
fleet's hvflowd (memory datapath) and acknowledges, northd records. Median **${fixed(statesPerSecond, 0)} states/s**.

${markdownTable(['round', 'chassis', 'seconds', 'states/s'], deliverRows)}
`;
if (values.out) {
  await writeSection(values.out, 'southbound', body);
  say(`wrote section southbound of ${values.out}`);
}
