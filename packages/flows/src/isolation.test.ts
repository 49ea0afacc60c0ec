// Property tests of isolation over random chassis states: whatever a local port or the tunnel
// sends stays inside one VPC, and a spoofed source is dropped. The tracer follows the very flows
// that are rendered for OVS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { renderFlow, type Flow } from './flow.js';
import { stateArbitrary, TUNNEL_PORT } from './state-arbitrary.js';
import type { TracePacket } from './trace-packet.js';
import {
  assertConfined,
  buildLocalPacket,
  destination,
  destinationOf,
  localPacket,
  modelOf,
  pick,
  withLocalPort,
} from './trace-model.js';

describe('isolation', () => {
  it('keeps every packet from a local port inside its VPC', () => {
    fc.assert(
      fc.property(
        withLocalPort,
        fc.array(localPacket, { minLength: 30, maxLength: 30 }),
        (state, choices) => {
          const model = modelOf(state);
          for (const choice of choices) {
            const port = pick(model.locals, choice.port);
            const result = model.tracer.trace(buildLocalPacket(model, choice));
            assertConfined(model, port.vpcId, result.actions, port.ofport);
          }
        },
      ),
    );
  });

  it('delivers tunnel traffic only to local ports of the VPC with that VNI, never back into the tunnel', () => {
    const tunnelPacket = fc.record({
      fromRemote: fc.boolean(),
      remote: fc.nat(),
      vni: fc.nat(),
      underlay: fc.nat(),
      srcMac: fc.nat(),
      srcIp: fc.nat(),
      dst: destination,
    });
    fc.assert(
      fc.property(
        stateArbitrary,
        fc.array(tunnelPacket, { minLength: 30, maxLength: 30 }),
        (state, choices) => {
          const model = modelOf(state);
          for (const choice of choices) {
            // Half the time as a remote port of the state would send, else from anywhere.
            const remote =
              choice.fromRemote && model.remotes.length > 0
                ? pick(model.remotes, choice.remote)
                : undefined;
            const tunId = remote?.vni ?? pick(model.vnis, choice.vni);
            const tunSrc = remote?.underlayIp ?? pick(model.underlays, choice.underlay);
            const result = model.tracer.trace({
              inPort: TUNNEL_PORT,
              tunId,
              tunSrc,
              ethSrc: remote?.mac ?? pick(model.macs, choice.srcMac),
              ethType: 'ipv4',
              ipSrc: remote?.ip ?? pick(model.ips, choice.srcIp),
              ...destinationOf(model, choice.dst),
            });
            const vpc = model.gateways.find((gateway) => gateway.vni === tunId);
            const hosts = model.remotes.some(
              (port) => port.vni === tunId && port.underlayIp === tunSrc,
            );
            if (vpc === undefined || !hosts) {
              assert.deepEqual(result.actions, [{ kind: 'drop' }]);
              continue;
            }
            assertConfined(model, vpc.vpcId, result.actions);
            for (const action of result.actions) {
              assert.ok(
                action.kind === 'drop' || (action.kind === 'output' && action.port !== TUNNEL_PORT),
              );
            }
          }
        },
      ),
    );
  });

  it("drops every packet whose source MAC or IP is not its port's", () => {
    const spoof = fc.record({
      port: fc.nat(),
      kind: fc.constantFrom('ipv4', 'arp', 'arp-sha', 'dhcp'),
      wrongMac: fc.boolean(),
      other: fc.nat(),
      dst: destination,
    });
    fc.assert(
      fc.property(
        withLocalPort,
        fc.array(spoof, { minLength: 30, maxLength: 30 }),
        (state, choices) => {
          const model = modelOf(state);
          for (const choice of choices) {
            const port = pick(model.locals, choice.port);
            const macs = model.macs.filter((mac) => mac !== port.mac);
            const ips = ['0.0.0.0', ...model.ips].filter((ip) => ip !== port.ip);
            const wrongMac = choice.wrongMac || choice.kind === 'dhcp';
            const ethSrc = wrongMac ? pick(macs, choice.other) : port.mac;
            const ipSrc = wrongMac ? port.ip : pick(ips, choice.other);
            const { ethDst, ipDst } = destinationOf(model, choice.dst);
            const head = { inPort: port.ofport, ethSrc, ethDst };
            const packet: TracePacket =
              choice.kind === 'ipv4'
                ? { ...head, ethType: 'ipv4', ipSrc, ipDst }
                : choice.kind === 'dhcp'
                  ? { ...head, ethType: 'ipv4', ipSrc, ipDst, udpSrc: 68, udpDst: 67 }
                  : choice.kind === 'arp'
                    ? { ...head, ethType: 'arp', arpSpa: ipSrc, arpTpa: ipDst }
                    : {
                        ...head,
                        ethSrc: port.mac,
                        ethType: 'arp',
                        arpSha: pick(macs, choice.other),
                        arpSpa: port.ip,
                        arpTpa: ipDst,
                      };
            assert.deepEqual(
              model.tracer.trace(packet).actions,
              [{ kind: 'drop' }],
              JSON.stringify(packet),
            );
          }
        },
      ),
    );
  });

  it('never writes a flow that tags, outputs or tunnels across VPCs', () => {
    // Reads the flows' text only: a second opinion beside the tracer's.
    const matched = (flow: Flow, name: string) =>
      new RegExp(`(?:^|,)${name}=([^,]+)`).exec(flow.match)?.[1];
    const setTo = (flow: Flow, field: string) =>
      new RegExp(`set_field:([^,]+)->${field}(?:,|$)`).exec(flow.actions)?.[1];
    fc.assert(
      fc.property(stateArbitrary, (state) => {
        const model = modelOf(state);
        const vniOfPort = new Map(model.locals.map((port) => [port.ofport, port.vni]));
        for (const flow of model.flows) {
          const line = renderFlow(flow);
          const tag = setTo(flow, 'reg0');
          if (tag !== undefined) {
            const inPort = Number(matched(flow, 'in_port'));
            const source =
              inPort === TUNNEL_PORT ? Number(matched(flow, 'tun_id')) : vniOfPort.get(inPort);
            assert.equal(Number(tag), source, line);
          }
          const vni = Number(matched(flow, 'reg0'));
          for (const [, port] of flow.actions.matchAll(/output:(\d+)/g)) {
            if (Number(port) !== TUNNEL_PORT) {
              assert.equal(vniOfPort.get(Number(port)), vni, line);
              continue;
            }
            assert.equal(Number(setTo(flow, 'tun_id')), vni, line);
            assert.equal(matched(flow, 'reg1'), '0x1', `tunnel to tunnel: ${line}`);
            const hosts = model.remotes.filter((p) => p.vni === vni).map((p) => p.underlayIp);
            assert.ok(hosts.includes(setTo(flow, 'tun_dst') ?? ''), line);
          }
        }
      }),
    );
  });
});
