// Property tests of DHCP steering over random chassis states (up to 4 VPCs with overlapping
// CIDRs, addresses and MACs repeated across VPCs): a request reaches hvaddr only, marked with
// the port it came in on; what hvaddr's port sends reaches at most the one port its mark names,
// as from that port's VPC gateway; nothing else leaves hvaddr's port.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileFlows } from './compile.js';
import { gatewayMac, DHCP_STEER_GROUP, DHCP_UNICAST_GROUP } from './pipeline.js';
import { optionsFor, stateArbitrary, TUNNEL_PORT } from './state-arbitrary.js';
import { createTracer } from './tracer.js';

const HVADDR = 1001;

function compiled(state: Parameters<typeof optionsFor>[0]) {
  const options = { ...optionsFor(state), dhcpPort: HVADDR };
  const flows = compileFlows(state, options);
  const ports = state.ports.map((port) => {
    const vpc = state.vpcs.find((v) => v.vpcId === port.vpcId)!;
    return { ...port, ofport: options.portNumbers.get(port.interfaceId)!, vpc };
  });
  return { flows, tracer: createTracer(flows), ports };
}

describe('DHCP steering isolation', () => {
  it('sends a request from a port to hvaddr alone, marked with that port', () => {
    fc.assert(
      fc.property(
        stateArbitrary.filter((s) => s.ports.length > 0),
        fc.nat(),
        fc.boolean(),
        (state, which, ownMac) => {
          const { tracer, ports } = compiled(state);
          const port = ports[which % ports.length]!;
          const other = ports.find((p) => p.mac.toLowerCase() !== port.mac.toLowerCase());
          const ethSrc = ownMac || other === undefined ? port.mac : other.mac;
          const result = tracer.trace({
            ...{ inPort: port.ofport, ethSrc, ethDst: 'ff:ff:ff:ff:ff:ff', ethType: 'ipv4' },
            ...{ ipSrc: '0.0.0.0', ipDst: '255.255.255.255', udpSrc: 68, udpDst: 67 },
          });
          if (ethSrc !== port.mac) {
            assert.deepEqual(result.actions, [{ kind: 'drop' }]);
            return;
          }
          assert.equal(result.actions.length, 1);
          const [out] = result.actions;
          assert.ok(out?.kind === 'output' && out.port === HVADDR);
          assert.equal(out.packet.udpSrc, port.ofport);
          assert.equal(out.packet.ipDst, DHCP_STEER_GROUP);
        },
      ),
    );
  });

  it('sends what hvaddr port sends only to the port its mark names, from that VPC gateway', () => {
    fc.assert(
      fc.property(
        stateArbitrary,
        fc.constantFrom(DHCP_STEER_GROUP, DHCP_UNICAST_GROUP, '255.255.255.255', '10.0.0.1'),
        fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constant(TUNNEL_PORT), fc.nat(65535)),
        fc.constantFrom(67, 68, 53),
        (state, ipDst, mark, udpSrc) => {
          const { tracer, ports } = compiled(state);
          const result = tracer.trace({
            ...{ inPort: HVADDR, ethSrc: '02:aa:00:00:00:01', ethDst: '01:00:5e:00:00:43' },
            ...{ ethType: 'ipv4', ipSrc: '169.254.67.1', ipDst, udpSrc, udpDst: mark },
          });
          const target = ports.find((p) => p.ofport === mark);
          const steered = udpSrc === 67 && [DHCP_STEER_GROUP, DHCP_UNICAST_GROUP].includes(ipDst);
          if (target === undefined || !steered) {
            assert.deepEqual(result.actions, [{ kind: 'drop' }]);
            return;
          }
          assert.equal(result.actions.length, 1);
          const [out] = result.actions;
          assert.ok(out?.kind === 'output' && out.port === target.ofport);
          assert.equal(out.packet.ethSrc, gatewayMac(target.vpc.vni));
          assert.equal(out.packet.ipSrc, target.vpc.gatewayIp);
          assert.equal(out.packet.udpDst, 68);
          const unicast = ipDst === DHCP_UNICAST_GROUP;
          assert.equal(out.packet.ipDst, unicast ? target.ip : '255.255.255.255');
          assert.equal(out.packet.ethDst, unicast ? target.mac.toLowerCase() : 'ff:ff:ff:ff:ff:ff');
        },
      ),
    );
  });

  it('outputs to hvaddr port only from table 20, for a local port, with its mark', () => {
    fc.assert(
      fc.property(stateArbitrary, (state) => {
        const { flows, ports } = compiled(state);
        for (const flow of flows.filter((f) => f.actions.includes(`output:${HVADDR}`))) {
          const port = ports.find((p) => flow.match === `udp,in_port=${p.ofport}`);
          assert.ok(port, flow.match);
          assert.equal(flow.table, 20);
          assert.ok(flow.actions.includes(`set_field:${port.ofport}->udp_src`));
        }
      }),
    );
  });
});
