// hvflowd repairs its bridge when something else changed it: flows deleted, added or changed
// with ovs-ofctl, and ovs-vswitchd killed and started again (no flows, ports renumbered).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileFlows, diff, flowKey, parseFlowDump, stateHash, type Flow } from '@vpcd/flows';
import { metricValue, skipUnlessRequired } from '@vpcd/observability/testing';
import { startFakeNorthd, type FakeNorthd } from './test-support/fake-northd.js';
import {
  CHASSIS_ID,
  LOCAL_UNDERLAY,
  scenarioState,
  traceCases,
  type PortNumbers,
} from './test-support/scenario.js';
import { eventually, startTestHvflowd, type TestHvflowd } from './test-support/test-hvflowd.js';
import { ofprotoTrace } from './testing/ofproto-trace.js';
import { ovsSandboxUnavailable, startOvsSandbox, type OvsSandbox } from './testing/ovs-sandbox.js';

const BRIDGE = 'br-int';
const skip = skipUnlessRequired(await ovsSandboxUnavailable());
const state = scenarioState(1, 1);

interface BridgePorts extends PortNumbers {
  readonly dhcp: number;
  /** Port name by interface id. */
  readonly names: ReadonlyMap<string, string>;
  readonly byIfaceId: ReadonlyMap<string, number>;
}

describe('hvflowd repairs its bridge on the heartbeat', { skip }, () => {
  let sandbox: OvsSandbox;
  let northd: FakeNorthd;
  let hvflowd: TestHvflowd;

  /** The ports as ovs-vsctl lists them: the test's own reading, not hvflowd's. */
  const bridgePorts = async (): Promise<BridgePorts> => {
    const rows = await sandbox.run('ovs-vsctl', [
      '--format=csv',
      '--data=bare',
      '--no-headings',
      '--columns=name,ofport,external_ids',
      'list',
      'Interface',
    ]);
    const byIfaceId = new Map<string, number>();
    const names = new Map<string, string>();
    const byName = new Map<string, number>();
    for (const line of rows.split('\n').filter(Boolean)) {
      const [name = '', ofport, ids = ''] = line.split(',');
      byName.set(name, Number(ofport));
      const ifaceId = /iface-id=(\S+)/.exec(ids)?.[1];
      if (ifaceId) {
        byIfaceId.set(ifaceId, Number(ofport));
        names.set(ifaceId, name);
      }
    }
    return {
      of: (id) => byIfaceId.get(id) ?? assert.fail(`no port bound to ${id}`),
      tunnel: byName.get('vxlan0') ?? assert.fail('no vxlan0'),
      dhcp: byName.get('vpcd-dhcp') ?? assert.fail('no vpcd-dhcp'),
      names,
      byIfaceId,
    };
  };
  const bridgeFlows = async (): Promise<Flow[]> =>
    parseFlowDump(
      await sandbox.run('ovs-ofctl', ['-O', 'OpenFlow15', 'dump-flows', '--no-stats', BRIDGE]),
    );
  /** The flows the state compiles to with the ports as they are numbered now. */
  const expectedFlows = async (): Promise<Flow[]> => {
    const p = await bridgePorts();
    return compileFlows(state, {
      portNumbers: p.byIfaceId,
      tunnelPort: p.tunnel,
      dhcpPort: p.dhcp,
    });
  };
  /** Waits until the bridge holds exactly the expected flows; resolves their hash. */
  const whole = (what: string) =>
    eventually(
      what,
      async () => {
        // Until the switch and its ports are back, neither can be read.
        const flows = await bridgeFlows().catch(() => undefined);
        const expected = await expectedFlows().catch(() => undefined);
        if (flows === undefined || expected === undefined) return undefined;
        const { add, remove } = diff(flows, expected);
        return add.length + remove.length === 0 ? stateHash(flows) : undefined;
      },
      30_000,
    );
  const counter = (name: string, labels?: Record<string, string>) =>
    metricValue(hvflowd.registry, name, labels).then((v) => v ?? 0);
  const counters = async () => ({
    repaired: await counter('hvflowd_bridge_audits_total', { result: 'repaired' }),
    added: await counter('hvflowd_flows_repaired_total', { op: 'add' }),
    removed: await counter('hvflowd_flows_repaired_total', { op: 'remove' }),
    renumbered: await counter('hvflowd_ports_renumbered_total'),
  });
  /** Waits until an audit after `was` counted a repair (it counts once the bridge is read back). */
  const repairedSince = (was: { repaired: number }) =>
    eventually('the repair counted', async () => {
      const c = await counters();
      return c.repaired > was.repaired ? c : undefined;
    });
  /** Waits for `n` heartbeats after index `from`; resolves their hashes. */
  const heartbeatsAfter = (from: number, n: number) =>
    eventually(`${n} heartbeats`, () =>
      northd.heartbeats.length >= from + n
        ? northd.heartbeats.slice(from).map((h) => h.stateHash)
        : undefined,
    );

  before(async () => {
    sandbox = await startOvsSandbox();
    northd = await startFakeNorthd(() => state);
    hvflowd = await startTestHvflowd({
      ...sandbox.env,
      NORTHD_ADDR: northd.address,
      CHASSIS_ID,
      UNDERLAY_IP: LOCAL_UNDERLAY,
      DATAPATH: 'ovs',
      OVS_BRIDGE: BRIDGE,
      OVS_DATAPATH_TYPE: 'netdev',
    });
    await hvflowd.synced();
    await whole('the initial sync');
  });

  after(async () => {
    await hvflowd?.stop();
    await northd?.stop();
    await sandbox?.stop();
  });

  it('puts back flows deleted with ovs-ofctl, counts them, and heartbeats only the whole bridge', async () => {
    const expected = await expectedFlows();
    const hash = stateHash(expected);
    const deleted = expected.filter((f) => f.table === 0).length;
    assert.ok(deleted > 0);
    const was = await counters();
    const beats = northd.heartbeats.length;
    await sandbox.run('ovs-ofctl', ['-O', 'OpenFlow15', 'del-flows', BRIDGE, 'table=0']);

    assert.equal(await whole('the deleted flows back'), hash);
    const now = await repairedSince(was);
    assert.deepEqual(
      { repaired: now.repaired - was.repaired, added: now.added - was.added },
      { repaired: 1, added: deleted },
    );
    assert.equal(now.removed, was.removed);
    const line = await eventually('the repair logged', () =>
      hvflowd.logs.find((l) => String(l.msg).startsWith('repaired the bridge')),
    );
    assert.deepEqual([line.level, line.flowsAdded, line.generation], [40, deleted, 1]);
    // The audit runs before each heartbeat is sent: northd never saw the bridge broken.
    assert.deepEqual(new Set(await heartbeatsAfter(beats, 3)), new Set([hash]));
  });

  it('removes a flow added behind its back that would carry a1 to VPC B', async () => {
    const p = await bridgePorts();
    const hash = stateHash(await expectedFlows());
    const was = await counters();
    const leak = `table=0,priority=65000,in_port=${p.of('if-a1')},actions=output:${p.of('if-b2')}`;
    await sandbox.run('ovs-ofctl', ['-O', 'OpenFlow15', 'add-flow', BRIDGE, leak]);

    assert.equal(await whole('the foreign flow gone'), hash);
    const now = await repairedSince(was);
    assert.deepEqual(
      [now.repaired - was.repaired, now.removed - was.removed, now.added - was.added],
      [1, 1, 0],
    );
    const cross = traceCases.find((c) => c.name.startsWith('drops IPv4 from a1 to b2'))!;
    assert.deepEqual((await ofprotoTrace(sandbox.run, BRIDGE, cross.packet(p))).outputs, []);
  });

  it('restores a flow whose actions were changed behind its back', async () => {
    const expected = await expectedFlows();
    const hash = stateHash(expected);
    const target = expected.find((f) => f.table === 0 && f.actions !== 'drop')!;
    const was = await counters();
    await sandbox.run('ovs-ofctl', [
      '-O',
      'OpenFlow15',
      '--strict',
      'mod-flows',
      BRIDGE,
      `${flowKey(target)},actions=drop`,
    ]);

    assert.equal(await whole('the changed flow restored'), hash);
    const now = await repairedSince(was);
    assert.deepEqual([now.removed - was.removed, now.added - was.added], [1, 1]);
  });

  it('reprograms the bridge after ovs-vswitchd is killed and started with ports renumbered', async () => {
    const before = await bridgePorts();
    const was = await counters();
    const syncs = northd.synced.length;
    const registrations = northd.registered.length;
    await sandbox.killSwitch();
    // While the switch is down the bridge cannot be read: heartbeats say its hash is unknown.
    const down = northd.heartbeats.length;
    await eventually('a heartbeat with no hash', () =>
      northd.heartbeats.slice(down).some((h) => h.stateHash === '') ? true : undefined,
    );
    // The supervisor brings it back with a1 and the tunnel on other ofports.
    const a1 = before.names.get('if-a1')!;
    for (const [name, ofport] of [
      [a1, 41],
      ['vxlan0', 42],
    ] as const) {
      await sandbox.run('ovs-vsctl', [
        '--no-wait',
        'set',
        'Interface',
        name,
        `ofport_request=${ofport}`,
      ]);
    }
    await sandbox.startSwitch();

    const hash = await whole('the bridge programmed again');
    const after = await bridgePorts();
    assert.deepEqual([after.of('if-a1'), after.tunnel], [41, 42]);
    assert.equal(after.of('if-b1'), before.of('if-b1'));
    const now = await repairedSince(was);
    assert.ok(now.renumbered - was.renumbered >= 2, `renumbered ${now.renumbered}`);
    assert.ok(now.added - was.added >= (await expectedFlows()).length);
    // No help from northd: no new registration or sync, the same process.
    assert.deepEqual([northd.synced.length, northd.registered.length], [syncs, registrations]);
    // The heartbeat and an ack report the bridge as it is now.
    const beats = northd.heartbeats.length;
    assert.ok((await heartbeatsAfter(beats, 1)).every((h) => h === hash));
    const unchanged = await hvflowd.client.applyChassisState({ state });
    assert.equal(unchanged.stateHash, hash);

    for (const c of traceCases) {
      const trace = await ofprotoTrace(sandbox.run, BRIDGE, c.packet(after));
      assert.deepEqual(trace.outputs, c.expect(after), `${c.name}\n${trace.text}`);
    }
  });

  it('creates the bridge again when it is deleted, with its ports, and programs it', async () => {
    const was = await counters();
    await sandbox.run('ovs-vsctl', ['del-br', BRIDGE]);

    const hash = await whole('the bridge back');
    const p = await bridgePorts();
    assert.deepEqual([...p.byIfaceId.keys()].sort(), ['if-a1', 'if-a2', 'if-b1', 'if-b2']);
    const now = await repairedSince(was);
    assert.ok(now.added - was.added >= (await expectedFlows()).length);
    assert.ok(hvflowd.logs.some((l) => l.msg === 'the bridge is gone; creating it again'));
    assert.equal((await hvflowd.client.getChassisState({})).stateHash, hash);
    const allowed = traceCases.find((c) => c.name.startsWith('delivers IPv4 from a1 to a2'))!;
    const trace = await ofprotoTrace(sandbox.run, BRIDGE, allowed.packet(p));
    assert.deepEqual(trace.outputs, allowed.expect(p), trace.text);
  });
});
