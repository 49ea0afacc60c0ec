import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { PortState } from '@vpcd/api';
import { hasCode, Status } from '@vpcd/rpc';
import { metricValue } from '@vpcd/observability/testing';
import { OvsDatapath } from './datapath/ovs-datapath.js';
import { isPortNotExist, OvsError } from './datapath/ovs-error.js';
import type { ExecFunc } from './datapath/ovs-exec.js';
import { parseDpctlShow, parseFlowCount } from './datapath/ovs-output.js';
import { startFakeNorthd } from './test-support/fake-northd.js';
import { CHASSIS_ID, LOCAL_UNDERLAY, scenarioState } from './test-support/scenario.js';
import { eventually, startTestHvflowd } from './test-support/test-hvflowd.js';

interface Call {
  readonly command: string;
  readonly args: readonly string[];
  readonly input?: string;
}

/** An exec that records every call and answers from `script` (stdout, or an error to throw). */
function scriptedExec(script: (call: Call) => string | Error): { exec: ExecFunc; calls: Call[] } {
  const calls: Call[] = [];
  const exec: ExecFunc = (command, args, options = {}) => {
    const call = { command, args, input: options.input };
    calls.push(call);
    const answer = script(call);
    return answer instanceof Error
      ? Promise.reject(answer)
      : Promise.resolve({ stdout: answer, stderr: '' });
  };
  return { exec, calls };
}

const has = (call: Call, ...words: string[]) => words.every((w) => call.args.includes(w));

/** `ovs-vsctl --format=json list Interface -- list-ifaces` output for these rows. */
function interfaces(
  rows: Array<{ name: string; ofport: number; ids?: Record<string, string>; error?: string }>,
): string {
  const table = {
    headings: ['name', 'ofport', 'external_ids', 'error'],
    data: rows.map((r) => [
      r.name,
      r.ofport,
      ['map', Object.entries(r.ids ?? {})],
      r.error ?? ['set', []],
    ]),
  };
  return `${JSON.stringify(table)}\n${rows.map((r) => r.name).join('\n')}\n`;
}

const port = (id: string, mac: string): PortState => ({
  interfaceId: id,
  vpcId: 'v',
  name: id,
  ip: '10.0.0.5',
  mac,
});
const options = { bridge: 'br-int', underlayIp: '192.168.50.1', env: { PATH: '/usr/bin' } };

describe('the ovs driver, through its exec seam', () => {
  it('creates a missing bridge with the datapath type and a secure fail mode', async () => {
    const { exec, calls } = scriptedExec(() => '');
    await new OvsDatapath({ ...options, datapathType: 'netdev', exec }).ensureBridge();
    const create = calls.find((c) => has(c, 'add-br'));
    assert.ok(create && has(create, '--may-exist', 'datapath_type=netdev', 'fail_mode=secure'));
  });

  it('leaves the datapath type of an existing bridge alone', async () => {
    const { exec, calls } = scriptedExec((c) => (has(c, 'list-br') ? 'br-ex\nbr-int\n' : ''));
    await new OvsDatapath({ ...options, datapathType: 'netdev', exec }).ensureBridge();
    assert.ok(!calls.some((c) => has(c, 'add-br')));
    assert.ok(!calls.some((c) => c.args.some((a) => a.startsWith('datapath_type'))));
  });

  it('applies a diff as one bundle on standard input, and nothing for an empty diff', async () => {
    const { exec, calls } = scriptedExec(() => '');
    const datapath = new OvsDatapath({ ...options, exec });
    await datapath.applyFlowMods({ add: [], remove: [] });
    assert.equal(calls.length, 0);
    const flow = { table: 0, priority: 0, match: '', actions: 'drop', cookie: 0x5n };
    await datapath.applyFlowMods({ add: [flow], remove: [{ ...flow, cookie: 0x6n }] });
    assert.deepEqual(calls, [
      {
        command: 'ovs-ofctl',
        args: ['-O', 'OpenFlow15', '--bundle', 'add-flows', 'br-int', '-'],
        input: 'delete_strict table=0,priority=0\nadd table=0,priority=0,cookie=0x5,actions=drop\n',
      },
    ]);
  });

  it('creates missing ports, keeps foreign ones and removes only those it created', async () => {
    let listed = 0;
    const { exec, calls } = scriptedExec((c) => {
      if (!has(c, 'list')) return '';
      listed++;
      return interfaces([
        { name: 'vxlan0', ofport: 1 },
        { name: 'tap-vm', ofport: 2, ids: { 'iface-id': 'if-foreign' } },
        {
          name: 'vif-if-old',
          ofport: 3,
          ids: { 'iface-id': 'if-old', 'vpcd-created-by': 'hvflowd' },
        },
        {
          name: 'vif-if-keep',
          ofport: 4,
          ids: {
            'iface-id': 'if-keep',
            'attached-mac': '02:00:00:00:00:04',
            'vpcd-created-by': 'hvflowd',
          },
        },
        ...(listed > 1 ? [{ name: 'vif-if-new', ofport: 5, ids: { 'iface-id': 'if-new' } }] : []),
      ]);
    });
    const bound = await new OvsDatapath({ ...options, exec }).bindPorts([
      port('if-keep', '02:00:00:00:00:04'),
      port('if-new', '02:00:00:00:00:05'),
    ]);
    assert.deepEqual(bound, {
      portNumbers: new Map([
        ['if-keep', 4],
        ['if-new', 5],
      ]),
      unbound: [],
    });
    const change = calls.find((c) => has(c, 'add-port'));
    assert.ok(change);
    assert.ok(has(change, 'del-port', 'vif-if-old'));
    assert.ok(!change.args.includes('tap-vm'));
    assert.ok(has(change, 'vif-if-new', 'type=internal', 'external_ids:iface-id="if-new"'));
    assert.ok(
      has(
        change,
        'external_ids:attached-mac="02:00:00:00:00:05"',
        'external_ids:vpcd-created-by=hvflowd',
      ),
    );
  });

  it('reports the ports OVS could not number or create, and binds the others', async () => {
    const { exec } = scriptedExec((c) =>
      has(c, 'list')
        ? interfaces([
            {
              name: 'vif-if-a',
              ofport: -1,
              ids: { 'iface-id': 'if-a' },
              error: 'could not open network device',
            },
            { name: 'vif-if-b', ofport: 7, ids: { 'iface-id': 'if-b' } },
          ])
        : '',
    );
    const bound = await new OvsDatapath({ ...options, exec }).bindPorts([
      port('if-a', '02:00:00:00:00:01'),
      port('if-b', '02:00:00:00:00:02'),
      port('if-c', '02:00:00:00:00:03'),
    ]);
    assert.deepEqual(bound, {
      portNumbers: new Map([['if-b', 7]]),
      unbound: [
        {
          interfaceId: 'if-a',
          message: 'port vif-if-a has no ofport: could not open network device',
        },
        // Listed nowhere, even after add-port: the switch has no port for it.
        { interfaceId: 'if-c', message: 'the switch has no port for it' },
      ],
    });
  });

  it("creates hvaddr's port as an internal port once, and binds ports around it", async () => {
    let created = false;
    const { exec, calls } = scriptedExec((c) => {
      if (has(c, 'add-port', 'vpcd-dhcp')) created = true;
      return has(c, 'list') ? interfaces(created ? [{ name: 'vpcd-dhcp', ofport: 9 }] : []) : '';
    });
    const datapath = new OvsDatapath({ ...options, exec });
    assert.equal(await datapath.dhcpPort(), 9);
    assert.equal(await datapath.dhcpPort(), 9);
    const adds = calls.filter((c) => has(c, 'add-port'));
    assert.equal(adds.length, 1);
    assert.ok(has(adds[0]!, 'type=internal', 'external_ids:vpcd-role=dhcp'));
    assert.ok(!adds[0]!.args.some((a) => a.includes('iface-id') || a.includes('created-by')));
    await datapath.bindPorts([]);
    assert.ok(!calls.some((c) => has(c, 'del-port')), 'bindPorts leaves it alone');
  });

  it("uses a port of DHCP_PORT's name that exists, whatever its type", async () => {
    const { exec, calls } = scriptedExec((c) =>
      has(c, 'list') ? interfaces([{ name: 'dhcp-veth', ofport: 3 }]) : '',
    );
    const datapath = new OvsDatapath({ ...options, dhcpPortName: 'dhcp-veth', exec });
    assert.equal(await datapath.dhcpPort(), 3);
    assert.ok(!calls.some((c) => has(c, 'add-port')));
  });

  it('never deletes the bridge or all of its flows', async () => {
    const { exec, calls } = scriptedExec((c) =>
      has(c, 'list') ? interfaces([{ name: 'vxlan0', ofport: 1 }]) : '',
    );
    const datapath = new OvsDatapath({ ...options, exec });
    await datapath.ensureBridge();
    await datapath.bindPorts([]);
    await datapath.tunnelPort();
    await datapath.dumpFlows();
    assert.ok(
      !calls.some((c) => c.args.some((a) => ['del-br', 'del-flows', 'emer-reset'].includes(a))),
    );
  });
});

describe('OvsError.from', () => {
  const cases: Array<[string, unknown, string]> = [
    [
      'a missing binary',
      Object.assign(new Error('spawn ovs-vsctl ENOENT'), { code: 'ENOENT' }),
      'not-installed',
    ],
    [
      'a killed command',
      Object.assign(new Error('killed'), { killed: true, signal: 'SIGTERM' }),
      'timeout',
    ],
    [
      'an unknown port',
      Object.assign(new Error('exit 1'), { code: 1, stderr: 'ovs-vsctl: no port named vif-x\n' }),
      'port-not-exist',
    ],
    [
      'an unknown bridge',
      Object.assign(new Error('exit 1'), {
        code: 1,
        stderr: 'ovs-ofctl: br-x is not a bridge or a socket',
      }),
      'bridge-not-exist',
    ],
    [
      'any other failure',
      Object.assign(new Error('exit 1'), { code: 1, stderr: 'database connection failed' }),
      'command-failed',
    ],
    ['a thrown string', 'boom', 'command-failed'],
  ];
  for (const [what, err, code] of cases) {
    it(`classifies ${what} as ${code}`, () => {
      const normalised = OvsError.from(err, 'ovs-vsctl list-br');
      assert.equal(normalised.code, code);
      assert.equal(normalised.cause, err);
      assert.equal(OvsError.from(normalised), normalised);
    });
  }

  it('answers isPortNotExist for an unknown port only', () => {
    assert.ok(isPortNotExist(new OvsError('port-not-exist', 'x', 'ovs-vsctl')));
    assert.ok(!isPortNotExist(new OvsError('timeout', 'x', 'ovs-vsctl')));
    assert.ok(!isPortNotExist(new Error('no port named x')));
  });
});

describe('reading OVS output', () => {
  it('reads the lookups of every datapath of dpctl/show', () => {
    const text = [
      'system@ovs-system:',
      '  lookups: hit:111615762 missed:1312004 lost:3',
      '  flows: 12',
      'netdev@ovs-netdev:',
      '  lookups: hit:0 missed:7 lost:0',
      '  port 0: ovs-netdev (tap)',
    ].join('\n');
    assert.deepEqual(parseDpctlShow(text), [
      { datapath: 'ovs-system', hit: 111615762, missed: 1312004, lost: 3 },
      { datapath: 'ovs-netdev', hit: 0, missed: 7, lost: 0 },
    ]);
  });

  it('reads the flow count of dump-aggregate', () => {
    assert.equal(
      parseFlowCount(
        'OFPST_AGGREGATE reply (OF1.5) (xid=0x2): packet_count=0 byte_count=0 flow_count=26',
      ),
      26,
    );
    assert.throws(() => parseFlowCount('nothing'));
  });
});

describe('hvflowd without a running Open vSwitch', () => {
  it('answers UNAVAILABLE and keeps retrying its initial sync', async () => {
    const rundir = await mkdtemp(path.join(tmpdir(), 'vpcd-no-ovs-'));
    const northd = await startFakeNorthd(() => scenarioState(1, 1));
    const hvflowd = await startTestHvflowd({
      NORTHD_ADDR: northd.address,
      CHASSIS_ID,
      UNDERLAY_IP: LOCAL_UNDERLAY,
      DATAPATH: 'ovs',
      OVS_RUNDIR: rundir,
    });
    try {
      await assert.rejects(
        hvflowd.client.applyChassisState({ state: scenarioState(1, 2) }),
        (err: unknown) => hasCode(err, Status.UNAVAILABLE) && /open vswitch/.test(String(err)),
      );
      const retry = await eventually('a failed initial apply', () =>
        hvflowd.logs.find(
          (l) => l.msg === 'initial sync with northd failed; retrying' && l.step === 'apply',
        ),
      );
      assert.equal(retry.code, 'command-failed');
      assert.ok(
        (await metricValue(hvflowd.registry, 'hvflowd_apply_total', { result: 'failed' }))! >= 1,
      );
      const body = await (await fetch(`${hvflowd.metricsUrl}/metrics`)).text();
      assert.match(body, /^openvswitch_up 0$/m);
      assert.equal((await fetch(`${hvflowd.metricsUrl}/readyz`)).status, 503);
    } finally {
      await hvflowd.stop();
      await northd.stop();
      await rm(rundir, { recursive: true, force: true });
    }
  });
});
