// Packets during faults (issue 18, item 3), and faults of Open vSwitch itself. hv1 runs a private
// Open vSwitch on the userspace datapath; while each fault runs under the write load of
// under-load.ts, a loop of `ovs-appctl ofproto/trace` on its bridge checks, round after round,
// that no packet across VPCs and no spoofed packet ever leaves by any port, and measures how long
// traffic between two interfaces of one VPC stops passing (the figure of `make bench`'s
// packets-during-faults section). Each case ends with the history checker and the zero-diff
// audit. Needs root and Open vSwitch (`make prereqs`); skips without.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ovsSandboxUnavailable } from '@vpcd/hvflowd/testing';
import { parsePromText, sumOf } from '../bench/common/prom-text.js';
import { startRegion, type Region } from '../region/local-region.js';
import type { ServiceProcess } from '../region/service-process.js';
import { createPacketFixture } from './packet-fixture.js';
import type { PacketFixture, PacketWatchResult } from './packet-watch.js';
import { packetFaults } from './packet-faults.js';
import { packetsUnderLoad } from './packets-under-load.js';

const skip = await ovsSandboxUnavailable();
/**
 * The write load's chassis: hv2 alone. hv1's bridge holds the traced interfaces only, so what
 * the watch sees is the fault's doing; every port the load added to an Open vSwitch would cost a
 * round of ovs-vsctl on a 2-core machine, and push convergence past the checker's budget. The
 * zero-diff audit still compares both chassis.
 */
const chassisIds = ['hv2'];

async function metric(p: ServiceProcess, name: string, where: Record<string, string> = {}) {
  const text = await (await fetch(`http://127.0.0.1:${p.metricsPort}/metrics`)).text();
  return sumOf(parsePromText(text), name, where);
}

/** What the watch saw, in the test's output. */
function report(t: TestContext, w: PacketWatchResult): void {
  t.diagnostic(
    `${w.rounds} trace rounds, one per ${w.roundMs} ms; a1 -> a2 failed in ${w.failedRounds}, ` +
      `longest interruption ${w.longestInterruptionMs} ms; leaks ${w.leaks.length}`,
  );
}

function assertIsolated(w: PacketWatchResult): void {
  assert.deepEqual(w.leaks, [], 'a packet across VPCs or a spoofed one left the bridge');
  assert.ok(w.rounds >= 10, `only ${w.rounds} trace rounds`);
}

describe('packets during faults', { skip }, () => {
  let region: Region;
  let fixture: PacketFixture;
  const hv1 = () => region.hvflowds[0]!;

  before(async () => {
    region = await startRegion({
      runDir: mkdtempSync(join(tmpdir(), 'vpcd-packets-chaos-')),
      chassis: [
        { id: 'hv1', underlayIp: '192.0.2.1', datapath: 'ovs' },
        { id: 'hv2', underlayIp: '192.0.2.2', datapath: 'memory' },
      ],
    });
    assert.deepEqual(region.fallbacks, [], 'hv1 runs Open vSwitch');
    fixture = await createPacketFixture(region, 0, 'packets');
  });
  after(async () => {
    await region?.stop();
  });

  for (const fault of packetFaults) {
    const what = fault.dataPlaneSurvives
      ? 'nothing leaks, and a1 -> a2 never stops'
      : 'nothing leaks while it is down, and hvflowd reprograms the switch';
    it(`${fault.title}: ${what}`, async (t) => {
      const w = await packetsUnderLoad(
        region,
        0,
        fixture,
        `packets-${fault.name}`,
        chassisIds,
        () => fault.run(region),
      );
      report(t, w);
      assertIsolated(w);
      if (fault.dataPlaneSurvives) {
        assert.equal(w.failedRounds, 0, `a1 -> a2 was interrupted by the ${fault.name} failure`);
      } else {
        assert.ok(w.failedRounds > 0, 'the watch saw the switch down');
        assert.ok(w.passingAtEnd, 'a1 -> a2 passes again');
      }
    });
  }

  it('flows deleted behind hvflowd: repaired by its next heartbeat, counted, nothing leaks', async (t) => {
    const sandbox = region.ovsSandbox(0)!;
    let repaired = 0;
    const w = await packetsUnderLoad(
      region,
      0,
      fixture,
      'packets-del-flows',
      chassisIds,
      async () => {
        const added = () => metric(hv1(), 'hvflowd_flows_repaired_total', { op: 'add' });
        const heartbeats = () => metric(hv1(), 'hvflowd_heartbeats_total');
        const before = await added();
        const beats = await heartbeats();
        await sandbox.run('ovs-ofctl', ['-O', 'OpenFlow15', 'del-flows', 'br-int']);
        // The audit runs before each heartbeat is sent: the heartbeat that started after the
        // deletion is answered by beats + 2 at the latest, and must find the repair counted.
        for (let i = 0; (await heartbeats()) < beats + 2; i++) {
          assert.ok(i < 300, 'hv1 sent no heartbeat after the deletion');
          await sleep(50);
        }
        repaired = (await added()) - before;
      },
    );
    report(t, w);
    assertIsolated(w);
    assert.ok(repaired > 0, 'the repair was not counted within one heartbeat');
    assert.ok(w.failedRounds > 0, 'the watch saw the flows gone');
    assert.ok(w.passingAtEnd, 'a1 -> a2 passes again');
  });
});
