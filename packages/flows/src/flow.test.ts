import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compareFlows, flowKey, renderFlow, sortFlows, type Flow } from './flow.js';

const DROP: Flow = { table: 0, priority: 0, match: '', actions: 'drop', cookie: 0xan };
const DELIVER: Flow = {
  table: 10,
  priority: 100,
  match: 'ip,reg0=0x64,dl_dst=02:00:00:00:00:01,nw_dst=10.0.0.5',
  actions: 'output:1',
  cookie: 0xabcn,
};

describe('flow text', () => {
  const CASES: ReadonlyArray<readonly [string, Flow, string, string]> = [
    [
      'a flow that matches everything',
      DROP,
      'table=0,priority=0',
      'table=0,priority=0,cookie=0xa,actions=drop',
    ],
    [
      'a flow with a match',
      DELIVER,
      'table=10,priority=100,ip,reg0=0x64,dl_dst=02:00:00:00:00:01,nw_dst=10.0.0.5',
      'table=10,priority=100,cookie=0xabc,ip,reg0=0x64,dl_dst=02:00:00:00:00:01,nw_dst=10.0.0.5,actions=output:1',
    ],
  ];
  for (const [what, flow, key, line] of CASES) {
    it(`writes the identity and add-flows line of ${what}`, () => {
      assert.equal(flowKey(flow), key);
      assert.equal(renderFlow(flow), line);
    });
  }
});

describe('sortFlows', () => {
  const flowArbitrary = fc.record({
    table: fc.constantFrom(0, 10, 20),
    priority: fc.constantFrom(0, 100, 110, 65535),
    match: fc.constantFrom('', 'ip', 'arp', 'ip,in_port=1', 'ip,in_port=10', 'ip,in_port=2'),
    actions: fc.constantFrom('drop', 'output:1', 'output:2'),
    cookie: fc.bigInt({ min: 1n, max: 5n }),
  });

  it('orders any flows as compareFlows does, repeated identities included', () => {
    fc.assert(
      fc.property(fc.array(flowArbitrary, { maxLength: 40 }), (flows) => {
        assert.deepEqual(sortFlows(flows), [...flows].sort(compareFlows));
      }),
    );
  });

  it('orders by table, then priority from high to low, then match text', () => {
    const flows = [DELIVER, DROP, { ...DELIVER, priority: 110 }, { ...DELIVER, match: 'arp' }];
    assert.deepEqual(sortFlows(flows), [DROP, flows[2], flows[3], DELIVER]);
  });
});
