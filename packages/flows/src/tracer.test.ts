import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFlows } from './compile.js';
import { hasFlowsCode } from './flows-error.js';
import type { Flow } from './flow.js';
import { createTracer, trace } from './tracer.js';
import { SAMPLE_TUNNEL_PORT, sampleOptions, sampleState } from './test-fixtures.js';

const A1 = { inPort: 1, ethSrc: '02:00:00:00:00:01', ipSrc: '10.0.0.5' };
const flows = compileFlows(sampleState(), sampleOptions());
const tracer = createTracer(flows);

describe('trace over a compiled chassis', () => {
  it('answers an ARP request for a remote port back on the asking port', () => {
    const result = tracer.trace({
      ...A1,
      ethDst: 'ff:ff:ff:ff:ff:ff',
      ethType: 'arp',
      arpSpa: A1.ipSrc,
      arpTpa: '10.0.0.7',
    });
    assert.deepEqual(result.actions, [
      {
        kind: 'arp-reply',
        port: 1,
        mac: '02:00:00:00:00:07',
        ip: '10.0.0.7',
        packet: {
          inPort: 1,
          ethSrc: '02:00:00:00:00:07',
          ethDst: '02:00:00:00:00:01',
          ethType: 'arp',
          arpOp: 2,
          arpSha: '02:00:00:00:00:07',
          arpSpa: '10.0.0.7',
          arpTha: '02:00:00:00:00:01',
          arpTpa: '10.0.0.5',
        },
      },
    ]);
    assert.deepEqual(
      result.path.map((step) => step.table),
      [0, 10],
    );
  });

  it('sends IPv4 to a remote port into the tunnel with the VNI and underlay address', () => {
    const result = tracer.trace({
      ...A1,
      ethDst: '02:00:00:00:00:07',
      ethType: 'ipv4',
      ipDst: '10.0.0.7',
    });
    assert.equal(result.actions.length, 1);
    assert.deepEqual(
      { ...result.actions[0], packet: undefined },
      {
        kind: 'output',
        port: SAMPLE_TUNNEL_PORT,
        tunId: 100,
        tunDst: '192.168.1.2',
        packet: undefined,
      },
    );
  });

  it('records the path as table, flow key and cookie', () => {
    const result = tracer.trace({
      ...A1,
      ethDst: '02:00:00:00:00:02',
      ethType: 'ipv4',
      ipDst: '10.0.0.6',
    });
    assert.deepEqual(result.path, [
      {
        table: 0,
        flowKey: 'table=0,priority=100,ip,in_port=1,dl_src=02:00:00:00:00:01,nw_src=10.0.0.5',
        cookie: 0x85aec0401b0f3bd9n,
      },
      {
        table: 10,
        flowKey: 'table=10,priority=100,ip,reg0=0x64,dl_dst=02:00:00:00:00:02,nw_dst=10.0.0.6',
        cookie: 0xae0730de4258ab82n,
      },
    ]);
  });

  it('does not send a port its own packet back', () => {
    const result = tracer.trace({ ...A1, ethDst: A1.ethSrc, ethType: 'ipv4', ipDst: A1.ipSrc });
    assert.deepEqual(result.actions, [{ kind: 'drop' }]);
  });

  it('drops DHCP when no hvaddr port is given', () => {
    const result = tracer.trace({
      ...A1,
      ipSrc: '0.0.0.0',
      ethDst: 'ff:ff:ff:ff:ff:ff',
      ethType: 'ipv4',
      ipDst: '255.255.255.255',
      udpSrc: 68,
      udpDst: 67,
    });
    assert.deepEqual(result.actions, [{ kind: 'drop' }]);
    assert.deepEqual(
      result.path.map((step) => step.table),
      [0, 20],
    );
  });

  it('drops tunnel traffic from an underlay address that hosts none of the VPC', () => {
    const result = tracer.trace({
      inPort: SAMPLE_TUNNEL_PORT,
      tunId: 100,
      tunSrc: '192.168.1.99',
      ethSrc: '02:00:00:00:00:07',
      ethDst: A1.ethSrc,
      ethType: 'ipv4',
      ipSrc: '10.0.0.7',
      ipDst: A1.ipSrc,
    });
    assert.deepEqual(result.actions, [{ kind: 'drop' }]);
  });

  it('rejects a malformed packet naming every bad field', () => {
    assert.throws(
      () => tracer.trace({ inPort: 1, ethSrc: 'x', ethDst: 'y', ethType: 'ipv4', ipDst: 'z' }),
      (err: unknown) =>
        hasFlowsCode(err, 'invalid-packet') &&
        (err as { problems: string[] }).problems.length === 3,
    );
  });
});

const f = (table: number, priority: number, match: string, actions: string): Flow => ({
  table,
  priority,
  match,
  actions,
  cookie: 1n,
});
const PACKET = {
  inPort: 1,
  ethSrc: '02:00:00:00:00:01',
  ethDst: '02:00:00:00:00:02',
  ethType: 'ipv4',
} as const;

describe('trace semantics', () => {
  it('takes the highest-priority match of a table', () => {
    const result = trace(
      [f(0, 10, 'ip', 'output:2'), f(0, 20, 'ip,in_port=1', 'output:3')],
      PACKET,
    );
    assert.deepEqual(
      result.actions.map((action) => action.kind === 'output' && action.port),
      [3],
    );
  });

  it('drops on a table miss', () => {
    assert.deepEqual(trace([f(0, 10, 'arp', 'output:2')], PACKET).actions, [{ kind: 'drop' }]);
  });

  it('continues after a resubmit returns, with its field writes kept', () => {
    const flows = [
      f(0, 1, '', 'resubmit(,5),output:3'),
      f(5, 1, '', 'set_field:0x7->reg2,output:2'),
    ];
    const result = trace(flows, PACKET);
    assert.deepEqual(
      result.actions.map((action) => action.kind === 'output' && action.port),
      [2, 3],
    );
  });

  it('refuses two matches of one priority in one table', () => {
    assert.throws(
      () => trace([f(0, 10, 'ip', 'output:2'), f(0, 10, 'ip,in_port=1', 'output:3')], PACKET),
      (err: unknown) => hasFlowsCode(err, 'ambiguous-match'),
    );
  });

  const INVALID: ReadonlyArray<readonly [string, Flow]> = [
    ['a field without its prerequisite', f(0, 1, 'nw_dst=10.0.0.1', 'drop')],
    ['an ARP field in an IPv4 flow', f(0, 1, 'ip,arp_tpa=10.0.0.1', 'drop')],
    ['a port field without a transport', f(0, 1, 'ip,tp_dst=67', 'drop')],
    ['a set_field without its prerequisite', f(0, 1, 'ip', 'set_field:2->arp_op')],
    ['a masked match', f(0, 1, 'ip,nw_dst=10.0.0.0/24', 'drop')],
    ['an unknown match field', f(0, 1, 'ip,nw_tos=4', 'drop')],
    ['an unknown action', f(0, 1, 'ip', 'NORMAL')],
    ['drop beside other actions', f(0, 1, 'ip', 'output:1,drop')],
    ['goto_table backwards', f(10, 1, 'ip', 'goto_table:5')],
    ['goto_table before other actions', f(0, 1, 'ip', 'goto_table:5,output:1')],
    ['a partial move', f(0, 1, 'ip', 'move:NXM_NX_REG0[0..7]->NXM_NX_REG1[0..7]')],
    ['a move between widths', f(0, 1, 'ip', 'move:NXM_NX_REG0[]->NXM_OF_ETH_DST[]')],
    ['a value too wide for its field', f(0, 1, 'ip', 'set_field:0x100000000->reg0')],
    ['a reserved output port', f(0, 1, 'ip', 'output:65534')],
  ];
  for (const [what, flow] of INVALID) {
    it(`rejects ${what}`, () => {
      assert.throws(
        () => createTracer([flow]),
        (err: unknown) => hasFlowsCode(err, 'invalid-flow'),
      );
    });
  }

  it('reads nw_src and nw_dst of an ARP flow as the ARP addresses, as OVS does', () => {
    const result = trace([f(0, 1, 'arp,nw_dst=10.0.0.9', 'output:2')], {
      ...PACKET,
      ethType: 'arp',
      arpTpa: '10.0.0.9',
    });
    assert.deepEqual(
      result.actions.map((action) => action.kind),
      ['output'],
    );
  });
});
