// What a chassis agent spends in @vpcd/flows on one delta, by stage, as the state it holds grows:
// `node test/dist/bench/southbound/delta-cost.js [--out FILE] [--rounds N] [--deltas N]`.
// Each round applies `deltas` one-remote-port deltas in a row to each size in turn, as hvflowd's
// runtime does (HeldState.apply, StateScreen.update, CompiledChassis.updateChanged with its
// stateHash, HeldState's contentHash), and times each stage; the figures are medians
// over the rounds, with their range.
import { relative } from 'node:path';
import type { ChassisDelta, ChassisState } from '@vpcd/api';
import {
  CompiledChassis,
  HeldState,
  StateScreen,
  type ChangedState,
  type CompileOptions,
  type StateChange,
} from '@vpcd/flows';
import { describeMachine } from '../common/machine.js';
import { fixed, markdownTable } from '../common/markdown-table.js';
import { parseBenchFlags, throwProblems, type NumberFlag } from '../common/number-flag.js';
import { writeSection } from '../common/report.js';
import { median } from '../common/stats.js';

const stages = [
  'HeldState.apply',
  'StateScreen.update',
  'CompiledChassis.updateChanged',
  'contentHash',
] as const;
type Stage = (typeof stages)[number];

/** Chassis of 100 and 10,000 ports, one in eight local, over 8 VPCs and 135 other chassis. */
const sizes = [
  { local: 12, remote: 88 },
  { local: 1250, remote: 8750 },
];

const flags: NumberFlag<'rounds' | 'deltas'>[] = [
  { name: 'rounds', key: 'rounds', fallback: 5, quick: 2, integer: true, min: 1, max: 100 },
  { name: 'deltas', key: 'deltas', fallback: 30, quick: 5, integer: true, min: 1, max: 10_000 },
];

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const mac = (n: number) =>
  `02:${hex((n >> 24) & 255, 2)}:${hex((n >> 16) & 255, 2)}:${hex((n >> 8) & 255, 2)}:${hex(n & 255, 2)}:01`;
const ip = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${(n & 255) + 2}`;

function chassisState(local: number, remote: number): ChassisState {
  const vpcs = Array.from({ length: 8 }, (_, i) => ({
    vpcId: `vpc-${i}`,
    vni: 100 + i,
    cidr: '10.0.0.0/8',
    gatewayIp: '10.255.255.254',
  }));
  const state: ChassisState = {
    chassisId: 'hv-bench',
    epoch: 1,
    generation: 1,
    changes: [],
    vpcs,
    ports: [],
    remotePorts: [],
  };
  for (let n = 0; n < local + remote; n++) {
    const port = { interfaceId: `if-${hex(n, 6)}`, vpcId: `vpc-${n % 8}`, ip: ip(n), mac: mac(n) };
    if (n < local) state.ports.push({ ...port, name: `p${n}` });
    else {
      const chassis = n % 135;
      state.remotePorts.push({
        ...port,
        chassisId: `hv-${chassis}`,
        underlayIp: `192.168.0.${chassis + 1}`,
      });
    }
  }
  return state;
}

function oneRemotePort(state: HeldState, n: number): ChassisDelta {
  return {
    chassisId: state.chassisId,
    epoch: state.epoch,
    generation: state.generation + 1,
    baseGeneration: state.generation,
    changes: [],
    vpcs: [],
    removedVpcs: [],
    ports: [],
    removedPorts: [],
    remotePorts: [
      {
        interfaceId: `if-new-${n}`,
        vpcId: 'vpc-1',
        ip: ip(0x800000 + n),
        mac: mac(0x800000 + n),
        chassisId: 'hv-3',
        underlayIp: '192.168.0.4',
      },
    ],
    removedRemotePorts: [],
  };
}

/** What the runtime tells the compiler of a change (bindableChange; every port is numbered). */
function changed(screen: StateScreen, change: StateChange): ChangedState {
  return {
    vpcIds: change.vpcs.keys(),
    portIds: change.ports.keys(),
    remotePortIds: change.remotePorts.keys(),
    vpc: (vpcId) => screen.vpc(vpcId),
    port: (id) => screen.port(id),
    remotePort: (id) => screen.remotePort(id),
    state: () => screen.accepted(),
  };
}

/** Milliseconds per delta of each stage, over `deltas` deltas on a chassis of this size. */
function measure(size: (typeof sizes)[number], deltas: number): Record<Stage, number> {
  const full = chassisState(size.local, size.remote);
  const options: CompileOptions = {
    portNumbers: new Map(full.ports.map((port, i) => [port.interfaceId, i + 1])),
    tunnelPort: 60_000,
    dhcpPort: 60_001,
  };
  const held = new HeldState(full);
  const screen = new StateScreen(held);
  const compiled = new CompiledChassis();
  compiled.update(screen.accepted(), options);
  const spent = Object.fromEntries(stages.map((s) => [s, 0])) as Record<Stage, number>;
  const time = <T>(stage: Stage, work: () => T): T => {
    const start = performance.now();
    const result = work();
    spent[stage] += performance.now() - start;
    return result;
  };
  for (let n = 0; n < deltas; n++) {
    const delta = oneRemotePort(held, n);
    const change = time('HeldState.apply', () => held.apply(delta));
    const accepted = time('StateScreen.update', () => screen.update(change));
    time('CompiledChassis.updateChanged', () => {
      compiled.updateChanged(changed(screen, accepted), options);
      return compiled.stateHash();
    });
    time('contentHash', () => held.contentHash());
  }
  for (const stage of stages) spent[stage] /= deltas;
  return spent;
}

async function main(): Promise<void> {
  const { out, quick, numbers, problems } = parseBenchFlags(process.argv.slice(2), flags);
  throwProblems(problems);
  const { rounds, deltas } = numbers;
  const results = sizes.map(() => [] as Record<Stage, number>[]);
  // Warm-up, then the sizes in turn in each round, so that a change in the machine's speed
  // falls on both.
  for (const size of sizes) measure(size, Math.min(deltas, 5));
  for (let round = 1; round <= rounds; round++) {
    sizes.forEach((size, i) => {
      const spent = measure(size, deltas);
      results[i]!.push(spent);
      const total = stages.reduce((sum, s) => sum + spent[s], 0);
      process.stdout.write(
        `round ${round}/${rounds} ${size.local}+${size.remote} ports: ${fixed(total, 2)} ms per delta\n`,
      );
    });
  }
  const cell = (values: number[]) =>
    `${fixed(median(values), 2)} (${fixed(Math.min(...values), 2)}-${fixed(Math.max(...values), 2)})`;
  const rows = sizes.map((size, i) => {
    const perRound = results[i]!;
    const totals = perRound.map((r) => stages.reduce((sum, s) => sum + r[s], 0));
    return [
      `${size.local} local + ${size.remote} remote`,
      ...stages.map((s) => cell(perRound.map((r) => r[s]))),
      cell(totals),
    ];
  });
  const table = markdownTable(
    ['Chassis ports', ...stages.map((s) => `${s} (ms)`), 'total (ms)'],
    rows,
  );
  process.stdout.write(`${table}\n`);
  if (out === undefined) return;
  const machine = describeMachine();
  const command = ['node', relative(process.cwd(), process.argv[1] ?? 'delta-cost.js')]
    .concat(process.argv.slice(2))
    .join(' ');
  await writeSection(
    out,
    'delta-cost',
    `## A chassis agent's work per delta (@vpcd/flows)

\`${command}\`${quick ? ' (quick sizes)' : ''}, ${new Date().toISOString()}, ${machine.cpuModel},
${machine.cores} cores, Node ${machine.node}. Each round applies ${deltas} deltas of one remote port in a row to a
chassis of each size in turn, through the stages hvflowd's runtime runs (the state hash is kept
by \`CompiledChassis.updateChanged\`, the content hash by \`HeldState\`); milliseconds per delta,
median of ${rounds} rounds (range).

${table}`,
  );
}

await main();
