import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileFlows } from './compile.js';
import { hasFlowsCode } from './flows-error.js';
import { DHCP_STEER_GROUP, DHCP_UNICAST_GROUP, TABLE_DHCP } from './pipeline.js';
import { sampleOptions, sampleState, SAMPLE_TUNNEL_PORT } from './test-fixtures.js';
import { createTracer, type TraceAction } from './tracer.js';

const HVADDR = 50;
const flows = compileFlows(sampleState(), { ...sampleOptions(), dhcpPort: HVADDR });
const tracer = createTracer(flows);

/** A DHCPDISCOVER of if-a1 (ofport 1, MAC ...:01), with the source port the guest chose. */
const discover = (udpSrc = 68) =>
  tracer.trace({
    inPort: 1,
    ethSrc: '02:00:00:00:00:01',
    ethDst: 'ff:ff:ff:ff:ff:ff',
    ethType: 'ipv4',
    ipSrc: '0.0.0.0',
    ipDst: '255.255.255.255',
    udpSrc,
    udpDst: 67,
  });

/** A datagram hvaddr sends from its port to `group` at UDP port `mark`. */
const reply = (group: string, mark: number, inPort = HVADDR) =>
  tracer.trace({
    inPort,
    ethSrc: '02:aa:00:00:00:01',
    ethDst: '01:00:5e:00:00:43',
    ethType: 'ipv4',
    ipSrc: '169.254.67.1',
    ipDst: group,
    udpSrc: 67,
    udpDst: mark,
  });

const outputs = (actions: readonly TraceAction[]) =>
  actions.map((a) => (a.kind === 'output' ? { port: a.port, ...a.packet } : a));

describe('DHCP steering', () => {
  it('sends a request to hvaddr marked with its ingress port, from 0.0.0.0 to the group', () => {
    const [out, ...rest] = outputs(discover().actions);
    assert.deepEqual(rest, []);
    assert.deepEqual(out, {
      port: HVADDR,
      inPort: 1,
      ethSrc: '02:00:00:00:00:01',
      ethDst: '01:00:5e:00:00:43',
      ethType: 'ipv4',
      ipSrc: '0.0.0.0',
      ipDst: DHCP_STEER_GROUP,
      udpSrc: 1,
      udpDst: 67,
    });
  });

  it('steers only from the client port 68, so a guest cannot pick a mark', () => {
    assert.deepEqual(discover(3).actions, [{ kind: 'drop' }]);
  });

  it('drops a request whose Ethernet source is not the port MAC', () => {
    const result = tracer.trace({
      inPort: 1,
      ethSrc: '02:00:00:00:00:03',
      ethDst: 'ff:ff:ff:ff:ff:ff',
      ethType: 'ipv4',
      udpSrc: 68,
      udpDst: 67,
    });
    assert.deepEqual(result.actions, [{ kind: 'drop' }]);
  });

  it('sends a broadcast reply to the marked port alone, from its gateway', () => {
    assert.deepEqual(outputs(reply(DHCP_STEER_GROUP, 3).actions), [
      {
        port: 3,
        inPort: HVADDR,
        ethSrc: '0e:00:00:00:00:c8',
        ethDst: 'ff:ff:ff:ff:ff:ff',
        ethType: 'ipv4',
        ipSrc: '10.0.0.1',
        ipDst: '255.255.255.255',
        udpSrc: 67,
        udpDst: 68,
      },
    ]);
  });

  it('sends a unicast reply to the marked port MAC and address', () => {
    const [out] = outputs(reply(DHCP_UNICAST_GROUP, 2).actions);
    assert.deepEqual(out, {
      port: 2,
      inPort: HVADDR,
      ethSrc: '0e:00:00:00:00:64',
      ethDst: '02:00:00:00:00:02',
      ethType: 'ipv4',
      ipSrc: '10.0.0.1',
      ipDst: '10.0.0.6',
      udpSrc: 67,
      udpDst: 68,
    });
  });

  const dropped = [
    { desc: 'a mark naming no port', run: () => reply(DHCP_STEER_GROUP, 7) },
    { desc: 'a mark naming the tunnel', run: () => reply(DHCP_STEER_GROUP, SAMPLE_TUNNEL_PORT) },
    { desc: 'a reply to another address', run: () => reply('255.255.255.255', 1) },
    { desc: 'a "reply" sent by a guest port', run: () => reply(DHCP_STEER_GROUP, 1, 2) },
  ];
  for (const { desc, run } of dropped) {
    it(`drops ${desc}`, () => assert.deepEqual(run().actions, [{ kind: 'drop' }]));
  }

  it('outputs from hvaddr port only to one local port, never the tunnel or a flood', () => {
    for (const flow of flows.filter((f) => f.match.includes(`in_port=${HVADDR}`))) {
      if (flow.table !== TABLE_DHCP) continue;
      assert.match(flow.actions, /,output:[123]$/);
      assert.doesNotMatch(flow.actions, /output:.*output:|FLOOD|ALL|IN_PORT/);
    }
  });

  it('adds no DHCP flows without hvaddr port', () => {
    const plain = compileFlows(sampleState(), sampleOptions());
    assert.deepEqual(
      plain.filter((f) => f.table === TABLE_DHCP).map((f) => f.actions),
      ['drop'],
    );
  });

  it('refuses hvaddr port when it is the tunnel or a local port', () => {
    for (const dhcpPort of [SAMPLE_TUNNEL_PORT, 2, 0]) {
      assert.throws(
        () => compileFlows(sampleState(), { ...sampleOptions(), dhcpPort }),
        (err: unknown) => hasFlowsCode(err, 'invalid-options'),
      );
    }
  });
});
