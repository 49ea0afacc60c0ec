import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stateHash } from '@vpcd/flows';
import { hasCode, Status } from '@vpcd/rpc';
import { metricValue, skipUnlessRequired } from '@vpcd/observability/testing';
import { startFakeNorthd, type FakeNorthd } from './test-support/fake-northd.js';
import { applyAndCompare, flowsOf } from './test-support/flow-changes.js';
import {
  CHASSIS_ID,
  LOCAL_UNDERLAY,
  ports,
  scenarioState,
  traceCases,
  type PortNumbers,
} from './test-support/scenario.js';
import {
  eventually,
  startTestHvflowd,
  TEST_TOKEN,
  type TestHvflowd,
} from './test-support/test-hvflowd.js';
import { monitorFlows } from './testing/flow-monitor.js';
import { ofprotoTrace } from './testing/ofproto-trace.js';
import { ovsSandboxUnavailable, startOvsSandbox, type OvsSandbox } from './testing/ovs-sandbox.js';

const BRIDGE = 'br-int';
const skip = skipUnlessRequired(await ovsSandboxUnavailable());

describe('hvflowd on a real Open vSwitch bridge', { skip }, () => {
  let sandbox: OvsSandbox;
  let northd: FakeNorthd;
  let hvflowd: TestHvflowd;
  let state = scenarioState(1, 1);
  const env = () => ({
    ...sandbox.env,
    NORTHD_ADDR: northd.address,
    CHASSIS_ID,
    UNDERLAY_IP: LOCAL_UNDERLAY,
    DATAPATH: 'ovs',
    OVS_BRIDGE: BRIDGE,
    OVS_DATAPATH_TYPE: 'netdev',
  });

  const portNumbers = async (): Promise<PortNumbers> => {
    const rows = await sandbox.run('ovs-vsctl', [
      '--format=csv',
      '--data=bare',
      '--no-headings',
      '--columns=name,ofport,external_ids',
      'list',
      'Interface',
    ]);
    const byIfaceId = new Map<string, number>();
    let tunnel = -1;
    for (const line of rows.split('\n').filter(Boolean)) {
      const [name, ofport, ids = ''] = line.split(',');
      const ifaceId = /iface-id=(\S+)/.exec(ids)?.[1];
      if (ifaceId) byIfaceId.set(ifaceId, Number(ofport));
      if (name === 'vxlan0') tunnel = Number(ofport);
    }
    return {
      of: (id) => byIfaceId.get(id) ?? assert.fail(`no port bound to ${id}`),
      tunnel,
    };
  };

  before(async () => {
    sandbox = await startOvsSandbox();
    northd = await startFakeNorthd(() => state);
    hvflowd = await startTestHvflowd(env());
    await hvflowd.synced();
  });

  after(async () => {
    await hvflowd?.stop();
    await northd?.stop();
    await sandbox?.stop();
  });

  it('creates the bridge, the ports and the VXLAN port the OVN way', async () => {
    const bridge = await sandbox.run('ovs-vsctl', [
      'get',
      'Bridge',
      BRIDGE,
      'datapath_type',
      'fail_mode',
    ]);
    assert.deepEqual(bridge.split('\n').filter(Boolean), ['netdev', 'secure']);
    const a1 = await sandbox.run('ovs-vsctl', [
      '--data=bare',
      '--no-headings',
      '--columns=type,external_ids',
      'find',
      'Interface',
      'external_ids:iface-id=if-a1',
    ]);
    assert.match(a1, /internal/);
    assert.match(a1, /attached-mac=02:0a:00:00:00:01/);
    const tunnel = await sandbox.run('ovs-vsctl', [
      'get',
      'Interface',
      'vxlan0',
      'type',
      'options',
    ]);
    assert.match(tunnel, /vxlan/);
    assert.match(tunnel, /key=flow/);
    assert.match(tunnel, /remote_ip=flow/);
    assert.match(tunnel, new RegExp(`local_ip="${LOCAL_UNDERLAY}"`));
  });

  it('applies the initial sync and heartbeats the hash of the bridge', async () => {
    const got = await hvflowd.client.getChassisState({});
    assert.equal(got.chassisId, CHASSIS_ID);
    assert.equal(got.generation, 1);
    assert.equal(got.epoch, 1);
    assert.equal(got.stateHash, stateHash(await flowsOf(hvflowd.client)));
    assert.ok(got.flows.length > 20);
    const beat = await eventually('a heartbeat with the hash', () =>
      northd.heartbeats.find((h) => h.stateHash === got.stateHash && h.appliedGeneration === 1),
    );
    assert.equal(beat.chassisId, CHASSIS_ID);
    assert.ok(northd.authorizations.every((a) => a === `Bearer ${TEST_TOKEN}`));
  });

  for (const c of traceCases) {
    it(`ofproto/trace: ${c.name}`, async () => {
      const p = await portNumbers();
      const trace = await ofprotoTrace(sandbox.run, BRIDGE, c.packet(p));
      assert.deepEqual(trace.outputs, c.expect(p), trace.text);
      if (trace.outputs.some((out) => out.port !== p.tunnel)) {
        // Local ports are real devices: the datapath delivers, not just the OpenFlow tables.
        assert.match(trace.datapathActions, /(^|,)\d+$/, trace.text);
      }
      if (trace.outputs.length === 0) {
        assert.equal(trace.datapathActions, 'drop');
        assert.match(trace.steps.at(-1)?.actions.join() ?? '', /^drop$/, trace.text);
      }
    });
  }

  it('exports bridge and datapath statistics as metrics', async () => {
    const body = await (await fetch(`${hvflowd.metricsUrl}/metrics`)).text();
    const flows = (await flowsOf(hvflowd.client)).length;
    assert.match(body, new RegExp(`^openvswitch_flows\\{bridge="${BRIDGE}"\\} ${flows}$`, 'm'));
    assert.match(body, /^openvswitch_up 1$/m);
    for (const port of ['vxlan0', 'vif-if-a1', 'vif-if-b2']) {
      assert.match(
        body,
        new RegExp(
          `^openvswitch_interface_rx_packets\\{bridge="${BRIDGE}",port="${port}"\\} \\d+`,
          'm',
        ),
      );
    }
    assert.match(body, /^openvswitch_interface_tx_dropped\{/m);
    assert.match(body, /^openvswitch_datapath_lookups_hit\{datapath="ovs-netdev"\} \d+$/m);
    assert.match(body, /^openvswitch_datapath_lookups_missed\{datapath="ovs-netdev"\} \d+$/m);
    assert.match(body, /^openvswitch_datapath_lookups_lost\{datapath="ovs-netdev"\} \d+$/m);
    assert.match(
      body,
      new RegExp(`^hvflowd_applied_generation\\{chassis="${CHASSIS_ID}"\\} 1$`, 'm'),
    );
  });

  it('keeps every flow in place across a restart and then applies only the difference', async () => {
    const before = await hvflowd.client.getChassisState({});
    const monitor = await monitorFlows(sandbox.env, BRIDGE);
    try {
      await hvflowd.stop();
      hvflowd = await startTestHvflowd(env());
      await hvflowd.synced();
      const reg = hvflowd.registry;
      assert.equal(await metricValue(reg, 'hvflowd_apply_total', { result: 'applied' }), 1);
      assert.equal(await metricValue(reg, 'hvflowd_flows_applied_total', { op: 'add' }), 0);
      assert.equal(await metricValue(reg, 'hvflowd_flows_applied_total', { op: 'remove' }), 0);
      const restarted = await hvflowd.client.getChassisState({});
      assert.deepEqual(restarted.flows, before.flows);
      assert.equal(restarted.stateHash, before.stateHash);

      state = scenarioState(1, 2, true);
      const { answer, change, after } = await applyAndCompare(hvflowd.client, state);
      assert.equal(answer.appliedGeneration, 2);
      assert.equal(answer.stateHash, stateHash(after));
      assert.equal(answer.flowsAdded, change.add.length);
      assert.equal(answer.flowsRemoved, change.remove.length);
      assert.ok(change.add.length > 0 && change.remove.length > 0);
      assert.ok(change.add.length + change.remove.length < after.length / 2);

      // The monitor saw exactly that change: nothing when hvflowd stopped or started again.
      await monitor.settle();
      const cookie = (c: bigint) => `0x${c.toString(16)}`;
      assert.deepEqual(
        monitor.events.map((e) => `${e.event} ${e.cookie}`).sort(),
        [
          ...change.add.map((f) => `ADDED ${cookie(f.cookie)}`),
          ...change.remove.map((f) => `DELETED ${cookie(f.cookie)}`),
        ].sort(),
      );
    } finally {
      await monitor.stop();
    }
  });

  it('applies an already applied generation as done, without touching the bridge', async () => {
    const monitor = await monitorFlows(sandbox.env, BRIDGE);
    try {
      const answer = await hvflowd.client.applyChassisState({ state: scenarioState(1, 2, false) });
      assert.deepEqual(
        {
          generation: answer.appliedGeneration,
          added: answer.flowsAdded,
          removed: answer.flowsRemoved,
        },
        { generation: 2, added: 0, removed: 0 },
      );
      assert.equal(answer.stateHash, (await hvflowd.client.getChassisState({})).stateHash);
      assert.equal(
        await metricValue(hvflowd.registry, 'hvflowd_apply_total', { result: 'unchanged' }),
        1,
      );
      await monitor.settle();
      assert.deepEqual(monitor.events, []);
    } finally {
      await monitor.stop();
    }
  });

  it('refuses a state of a stale epoch with FAILED_PRECONDITION and counts it', async () => {
    const newer = await hvflowd.client.applyChassisState({ state: scenarioState(3, 3, true) });
    assert.equal(newer.appliedGeneration, 3);
    const before = await hvflowd.client.getChassisState({});
    await assert.rejects(
      hvflowd.client.applyChassisState({ state: scenarioState(2, 4, false) }),
      (err: unknown) => {
        assert.ok(hasCode(err, Status.FAILED_PRECONDITION));
        assert.match((err as Error).message, /stale epoch 2 < 3/);
        return true;
      },
    );
    assert.equal(await metricValue(hvflowd.registry, 'hvflowd_fenced_total'), 1);
    assert.deepEqual(await hvflowd.client.getChassisState({}), before);
  });

  it("programs the other ports when one VM's device fails, and that one once it works", async () => {
    // A VM's port the hypervisor added, whose device is gone: OVS keeps it with ofport -1.
    const vm = {
      ...ports.a1,
      interfaceId: 'if-a9',
      name: 'a9',
      ip: '10.0.0.9',
      mac: '02:0a:00:00:00:09',
    };
    await sandbox.run('ovs-vsctl', [
      'add-port',
      BRIDGE,
      'tap-a9',
      '--',
      'set',
      'Interface',
      'tap-a9',
      `external_ids:iface-id=${vm.interfaceId}`,
    ]);
    const base = scenarioState(3, 6, true);
    const answer = await hvflowd.client.applyChassisState({
      state: { ...base, ports: [...base.ports, vm] },
    });
    assert.equal(answer.appliedGeneration, 6);
    assert.deepEqual(
      answer.rejectedPorts.map((r) => [r.interfaceId, r.reason, r.remote]),
      [[vm.interfaceId, 'port-unbound', false]],
    );
    assert.match(answer.rejectedPorts[0]!.message, /tap-a9 has no ofport/);
    const flows = await flowsOf(hvflowd.client);
    assert.ok(!flows.some((f) => f.match.includes(`dl_src=${vm.mac}`)));
    for (const other of base.ports) {
      assert.ok(
        flows.some((f) => f.match.includes(`dl_src=${other.mac}`)),
        other.interfaceId,
      );
    }

    // The broken port removed, the heartbeat's audit binds one of hvflowd's and programs it.
    await sandbox.run('ovs-vsctl', ['del-port', BRIDGE, 'tap-a9']);
    await eventually('the port programmed', async () =>
      (await flowsOf(hvflowd.client)).some((f) => f.match.includes(`dl_src=${vm.mac}`))
        ? true
        : undefined,
    );
    assert.equal(
      await metricValue(hvflowd.registry, 'hvflowd_rejected_ports', { reason: 'port-unbound' }),
      0,
    );
  });

  it('refuses a state without a chassis or of another chassis with INVALID_ARGUMENT', async () => {
    for (const request of [
      { state: undefined },
      { state: { ...scenarioState(3, 5), chassisId: 'hv-9' } },
    ]) {
      await assert.rejects(hvflowd.client.applyChassisState(request), (err: unknown) =>
        hasCode(err, Status.INVALID_ARGUMENT),
      );
    }
  });
});
