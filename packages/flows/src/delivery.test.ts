// Property test of delivery over random chassis states: traffic within a VPC reaches exactly
// the addressed port, and ARP is answered for every address of the VPC.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stateArbitrary, TUNNEL_PORT } from './state-arbitrary.js';
import { BROADCAST, modelOf } from './trace-model.js';
import type { TraceAction } from './tracer.js';

describe('delivery', () => {
  it('delivers to exactly the addressed port of the same VPC, and answers ARP for it', () => {
    fc.assert(
      fc.property(stateArbitrary, (state) => {
        const model = modelOf(state);
        for (const from of model.locals) {
          const head = { inPort: from.ofport, ethSrc: from.mac };
          for (const to of [...model.locals, ...model.remotes]) {
            if (to.vpcId !== from.vpcId || to.interfaceId === from.interfaceId) continue;
            const sent = model.tracer.trace({
              ...head,
              ethDst: to.mac,
              ethType: 'ipv4',
              ipSrc: from.ip,
              ipDst: to.ip,
            });
            const want: Partial<TraceAction> =
              'ofport' in to
                ? { kind: 'output', port: to.ofport }
                : { kind: 'output', port: TUNNEL_PORT, tunId: to.vni, tunDst: to.underlayIp };
            assert.deepEqual(
              sent.actions.map(
                ({ packet: _, ...action }: TraceAction & { packet?: unknown }) => action,
              ),
              [want],
            );
            const asked = model.tracer.trace({
              ...head,
              ethDst: BROADCAST,
              ethType: 'arp',
              arpSpa: from.ip,
              arpTpa: to.ip,
            });
            assert.deepEqual(
              asked.actions.map(
                (action) =>
                  action.kind === 'arp-reply' && [
                    action.port,
                    action.mac,
                    action.ip,
                    action.packet.ethDst,
                    action.packet.arpTpa,
                  ],
              ),
              [[from.ofport, to.mac, to.ip, from.mac, from.ip]],
            );
          }
          const gateway = model.gateways.find((candidate) => candidate.vpcId === from.vpcId)!;
          const toGateway = model.tracer.trace({
            ...head,
            ethDst: BROADCAST,
            ethType: 'arp',
            arpSpa: from.ip,
            arpTpa: gateway.ip,
          });
          assert.deepEqual(
            toGateway.actions.map(
              (action) => action.kind === 'arp-reply' && [action.port, action.mac],
            ),
            [[from.ofport, gateway.mac]],
          );
          const toSelf = model.tracer.trace({
            ...head,
            ethDst: BROADCAST,
            ethType: 'arp',
            arpSpa: from.ip,
            arpTpa: from.ip,
          });
          assert.deepEqual(toSelf.actions, [{ kind: 'drop' }]);
        }
        for (const from of model.remotes) {
          for (const to of model.locals.filter((port) => port.vpcId === from.vpcId)) {
            const received = model.tracer.trace({
              inPort: TUNNEL_PORT,
              tunId: from.vni,
              tunSrc: from.underlayIp,
              ethSrc: from.mac,
              ethDst: to.mac,
              ethType: 'ipv4',
              ipSrc: from.ip,
              ipDst: to.ip,
            });
            assert.deepEqual(
              received.actions.map((action) => action.kind === 'output' && action.port),
              [to.ofport],
            );
          }
        }
      }),
    );
  });
});
