import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFlows } from './compile.js';
import { hasFlowsCode } from './flows-error.js';
import { renderFlow, type Flow } from './flow.js';
import { parseFlowDump, parseFlowLine } from './flow-line.js';
import { sampleOptions, sampleState } from './test-fixtures.js';

// Lines as OVS 3.1 `ovs-ofctl dump-flows` prints them, with and without --no-stats.
const DUMPED: ReadonlyArray<readonly [string, string, Flow]> = [
  [
    'a flow of table 0 with statistics',
    ' cookie=0x8d268200c455d155, duration=0.013s, table=0, n_packets=0, n_bytes=0, priority=100,ip,tun_id=0x64,tun_src=192.168.1.2,in_port=100 actions=set_field:0x64->reg0,goto_table:10',
    {
      table: 0,
      priority: 100,
      match: 'ip,tun_id=0x64,tun_src=192.168.1.2,in_port=100',
      actions: 'set_field:0x64->reg0,goto_table:10',
      cookie: 0x8d268200c455d155n,
    },
  ],
  [
    'a drop flow of table 20 without statistics',
    ' cookie=0xba070c8804716fa7, table=20, priority=0 actions=drop',
    { table: 20, priority: 0, match: '', actions: 'drop', cookie: 0xba070c8804716fa7n },
  ],
  [
    'a flow of table 0 without statistics (no table word)',
    ' cookie=0x1234, priority=100,ip,in_port=1 actions=output:2',
    { table: 0, priority: 100, match: 'ip,in_port=1', actions: 'output:2', cookie: 0x1234n },
  ],
  [
    'the default flow of a new bridge (no cookie, default priority)',
    ' duration=5.1s, n_packets=3, n_bytes=180, idle_age=2, actions=NORMAL',
    { table: 0, priority: 32768, match: '', actions: 'NORMAL', cookie: 0n },
  ],
];

describe('parseFlowLine', () => {
  for (const [what, line, want] of DUMPED) {
    it(`parses ${what}`, () => assert.deepEqual(parseFlowLine(line), want));
  }

  it('gives back every compiled flow from its rendered line', () => {
    for (const flow of compileFlows(sampleState(), sampleOptions())) {
      assert.deepEqual(parseFlowLine(renderFlow(flow)), { ...flow });
    }
  });

  const BAD = [
    ['a line without actions', 'priority=1,ip'],
    ['a cookie that is not a number', 'cookie=0xzz, priority=1 actions=drop'],
    ['a cookie wider than 64 bits', 'cookie=0x10000000000000000, priority=1 actions=drop'],
    ['a negative priority', 'priority=-1 actions=drop'],
  ];
  for (const [what, line] of BAD) {
    it(`rejects ${what}`, () => {
      assert.throws(
        () => parseFlowLine(line!),
        (err: unknown) => hasFlowsCode(err, 'invalid-flow'),
      );
    });
  }
});

describe('parseFlowDump', () => {
  it('skips the reply header and blank lines', () => {
    const text = [
      'OFPST_FLOW reply (OF1.3) (xid=0x2):',
      DUMPED[0]![1],
      '',
      'NXST_FLOW reply (xid=0x4):',
      DUMPED[1]![1],
      '',
    ].join('\n');
    assert.deepEqual(parseFlowDump(text), [DUMPED[0]![2], DUMPED[1]![2]]);
  });
});
