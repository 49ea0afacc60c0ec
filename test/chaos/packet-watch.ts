// Packets during faults: a continuous `ovs-appctl ofproto/trace` loop on a chassis' bridge that
// checks, sample after sample, that traffic across VPCs and spoofed traffic never leaves by any
// port, and measures how long traffic between two interfaces of one VPC stops passing.
import type { TracePacket } from '@vpcd/flows';
import { ofprotoTrace, type OfprotoOutput, type OvsSandbox } from '@vpcd/hvflowd/testing';

/** An interface as the API answered it. */
export interface WatchedInterface {
  readonly id: string;
  readonly mac: string;
  readonly ip: string;
}

/**
 * Three interfaces on one chassis: `a1` and `a2` of one VPC, `b1` of another whose address
 * repeats a2's (the VPCs' address spaces overlap, so only the VNI tells them apart).
 */
export interface PacketFixture {
  readonly a1: WatchedInterface;
  readonly a2: WatchedInterface;
  readonly b1: WatchedInterface;
}

/** A packet traced on every sample: one that must pass, or one that must never leave. */
export interface PacketCase {
  readonly name: string;
  readonly packet: TracePacket;
  /** `passes`: it leaves by `port`; `never`: it leaves by no port at all. */
  readonly expect: { readonly passes: number } | 'never';
}

/** The ofport of the port bound to each interface id (`external_ids:iface-id`) on the switch. */
export async function ofportsByInterface(sandbox: OvsSandbox): Promise<Map<string, number>> {
  const rows = await sandbox.run('ovs-vsctl', [
    '--format=csv',
    '--data=bare',
    '--no-headings',
    '--columns=ofport,external_ids',
    'list',
    'Interface',
  ]);
  const ports = new Map<string, number>();
  for (const line of rows.split('\n').filter(Boolean)) {
    const [ofport, ids = ''] = line.split(',');
    const id = /iface-id=(\S+)/.exec(ids)?.[1];
    if (id !== undefined && Number(ofport) > 0) ports.set(id, Number(ofport));
  }
  return ports;
}

const ipv4 = (inPort: number, from: { mac: string; ip: string }, to: WatchedInterface) => ({
  inPort,
  ethType: 'ipv4' as const,
  ethSrc: from.mac,
  ethDst: to.mac,
  ipSrc: from.ip,
  ipDst: to.ip,
});

/**
 * The cases of a fixture with its ports numbered as `of` says: a1 -> a2 passes; across VPCs both
 * ways, and from a1's port with a spoofed source address or MAC, nothing ever leaves.
 */
export function packetCases(
  { a1, a2, b1 }: PacketFixture,
  of: (id: string) => number,
): PacketCase[] {
  const [p1, p2, pb] = [of(a1.id), of(a2.id), of(b1.id)];
  return [
    { name: 'a1 -> a2 (one VPC)', packet: ipv4(p1, a1, a2), expect: { passes: p2 } },
    { name: 'a1 -> b1 (across VPCs)', packet: ipv4(p1, a1, b1), expect: 'never' },
    { name: 'b1 -> a1 (across VPCs)', packet: ipv4(pb, b1, a1), expect: 'never' },
    {
      name: "a1 -> a2 from a2's address (spoofed IP)",
      packet: ipv4(p1, { mac: a1.mac, ip: a2.ip }, a2),
      expect: 'never',
    },
    {
      name: "a1 -> a2 from b1's MAC (spoofed MAC)",
      packet: ipv4(p1, { mac: b1.mac, ip: a1.ip }, a2),
      expect: 'never',
    },
  ];
}

/** A packet that must never leave, seen leaving. */
export interface Leak {
  readonly atMs: number;
  readonly name: string;
  readonly outputs: readonly OfprotoOutput[];
}

/** A stretch of samples in which the allowed packet did not pass (or the switch did not answer). */
export interface Interruption {
  /** Epoch ms of the last sample that passed before it (or the first sample). */
  readonly fromMs: number;
  /** Epoch ms of the first sample that passed after it (or the last sample). */
  readonly toMs: number;
  /** The samples in it that failed: 'dropped' (no output there) or 'no switch' (trace failed). */
  readonly failed: number;
  readonly unanswered: number;
}

export interface PacketWatchResult {
  /** Rounds made (each traces every case once). */
  readonly rounds: number;
  /** Median ms between two rounds: the resolution of the figures below. */
  readonly roundMs: number;
  readonly leaks: readonly Leak[];
  readonly interruptions: readonly Interruption[];
  /** The longest interruption in ms (0 when the allowed packet passed every round). */
  readonly longestInterruptionMs: number;
  /** Rounds in which the allowed packet did not pass. */
  readonly failedRounds: number;
  /** The allowed packet passed in the last round. */
  readonly passingAtEnd: boolean;
}

export interface PacketWatch {
  /** Rounds made so far. */
  rounds(): number;
  /** Ends the loop after the round under way; resolves what it saw. */
  stop(): Promise<PacketWatchResult>;
}

/**
 * Traces the cases of `fixture` on `bridge` of `sandbox` round after round, until stopped, with
 * the ports as numbered at the round's start (a restarted switch may number them anew). A round
 * whose trace fails, or that finds a port gone (ovs-vswitchd down), counts as unanswered for the
 * allowed packet and as nothing for the others: a switch that is not running forwards nothing.
 */
export function startPacketWatch(
  sandbox: OvsSandbox,
  fixture: PacketFixture,
  bridge = 'br-int',
): PacketWatch {
  const leaks: Leak[] = [];
  const samples: Array<{ atMs: number; verdict: 'passed' | 'dropped' | 'no switch' }> = [];
  let stopping = false;

  const round = async () => {
    const atMs = Date.now();
    const ports = await ofportsByInterface(sandbox).catch(() => new Map<string, number>());
    const all = [fixture.a1, fixture.a2, fixture.b1];
    if (!all.every((i) => ports.has(i.id))) {
      samples.push({ atMs, verdict: 'no switch' });
      await new Promise((r) => setTimeout(r, 20));
      return;
    }
    const cases = packetCases(fixture, (id) => ports.get(id)!);
    const traced = await Promise.all(
      cases.map((c) => ofprotoTrace(sandbox.run, bridge, c.packet).catch(() => undefined)),
    );
    let verdict: 'passed' | 'dropped' | 'no switch' = 'passed';
    for (const [i, c] of cases.entries()) {
      const trace = traced[i];
      if (c.expect === 'never') {
        if (trace && trace.outputs.length > 0) {
          leaks.push({ atMs, name: c.name, outputs: trace.outputs });
        }
      } else if (trace === undefined) {
        verdict = 'no switch';
      } else if (!trace.outputs.some((o) => o.port === (c.expect as { passes: number }).passes)) {
        if (verdict === 'passed') verdict = 'dropped';
      }
    }
    samples.push({ atMs, verdict });
  };
  const loop = (async () => {
    while (!stopping) await round();
  })();

  return {
    rounds: () => samples.length,
    async stop() {
      stopping = true;
      await loop;
      const interruptions: Interruption[] = [];
      let open: { fromMs: number; failed: number; unanswered: number } | undefined;
      let lastPassedMs = samples[0]?.atMs ?? 0;
      for (const s of samples) {
        if (s.verdict === 'passed') {
          if (open) interruptions.push({ ...open, toMs: s.atMs });
          open = undefined;
          lastPassedMs = s.atMs;
          continue;
        }
        open ??= { fromMs: lastPassedMs, failed: 0, unanswered: 0 };
        if (s.verdict === 'dropped') open.failed += 1;
        else open.unanswered += 1;
      }
      if (open) interruptions.push({ ...open, toMs: samples.at(-1)!.atMs });
      const gaps = samples
        .slice(1)
        .map((s, i) => s.atMs - samples[i]!.atMs)
        .sort((x, y) => x - y);
      return {
        rounds: samples.length,
        roundMs: gaps[Math.floor(gaps.length / 2)] ?? 0,
        leaks,
        interruptions,
        longestInterruptionMs: Math.max(0, ...interruptions.map((i) => i.toMs - i.fromMs)),
        failedRounds: samples.filter((s) => s.verdict !== 'passed').length,
        passingAtEnd: samples.at(-1)?.verdict === 'passed',
      };
    },
  };
}
