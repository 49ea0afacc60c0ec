// The model of a random chassis state that the trace property tests check against: its ports,
// addresses and compiled tracer, and random packets drawn mostly from its own addresses.
import assert from 'node:assert/strict';
import type { ChassisState } from '@vpcd/api';
import fc from 'fast-check';
import { compileFlows } from './compile.js';
import { gatewayMac } from './pipeline.js';
import {
  CHASSIS,
  IP_POOL,
  MAC_POOL,
  optionsFor,
  stateArbitrary,
  TUNNEL_PORT,
} from './state-arbitrary.js';
import type { TracePacket } from './trace-packet.js';
import { createTracer, type TraceAction } from './tracer.js';

export const BROADCAST = 'ff:ff:ff:ff:ff:ff';

/** What the state says, indexed for the checks. */
export function modelOf(state: ChassisState) {
  const options = optionsFor(state);
  const vni = new Map(state.vpcs.map((vpc) => [vpc.vpcId, vpc.vni]));
  const ofport = (interfaceId: string) => options.portNumbers.get(interfaceId)!;
  const locals = state.ports.map((port) => ({
    ...port,
    ofport: ofport(port.interfaceId),
    vni: vni.get(port.vpcId)!,
  }));
  const remotes = state.remotePorts.map((port) => ({ ...port, vni: vni.get(port.vpcId)! }));
  const gateways = state.vpcs.map((vpc) => ({
    vpcId: vpc.vpcId,
    ip: vpc.gatewayIp,
    mac: gatewayMac(vpc.vni),
    vni: vpc.vni,
  }));
  const flows = compileFlows(state, options);
  return {
    flows,
    tracer: createTracer(flows),
    locals,
    remotes,
    gateways,
    macs: [...MAC_POOL, ...gateways.map((gateway) => gateway.mac), BROADCAST],
    ips: [...IP_POOL, '255.255.255.255', '192.168.0.2'],
    underlays: [...CHASSIS.map((chassis) => chassis.underlayIp), '192.168.0.99'],
    vnis: [...state.vpcs.map((vpc) => vpc.vni), 0xfffffe],
  };
}
export type Model = ReturnType<typeof modelOf>;

export const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;

/** Half the time an address of the state (any VPC), else any MAC with any IP of the pools. */
export const destination = fc.record({
  known: fc.boolean(),
  address: fc.nat(),
  mac: fc.nat(),
  ip: fc.nat(),
});

export type DestinationChoice = typeof destination extends fc.Arbitrary<infer T> ? T : never;

export function destinationOf(model: Model, choice: DestinationChoice) {
  const known = [...model.locals, ...model.remotes, ...model.gateways];
  if (choice.known && known.length > 0) {
    const { mac, ip } = pick(known, choice.address);
    return { ethDst: mac, ipDst: ip };
  }
  return { ethDst: pick(model.macs, choice.mac), ipDst: pick(model.ips, choice.ip) };
}

/** Throws unless every action stays inside VPC `vpcId`; `asker` is the port an ARP reply may go to. */
export function assertConfined(
  model: Model,
  vpcId: string,
  actions: readonly TraceAction[],
  asker?: number,
): void {
  const vni = model.gateways.find((gateway) => gateway.vpcId === vpcId)!.vni;
  const ofports = model.locals.filter((port) => port.vpcId === vpcId).map((port) => port.ofport);
  const underlays = model.remotes
    .filter((port) => port.vpcId === vpcId)
    .map((port) => port.underlayIp);
  const addresses = [...model.locals, ...model.remotes, ...model.gateways]
    .filter((address) => address.vpcId === vpcId)
    .map((address) => `${address.ip}@${address.mac}`);
  for (const action of actions) {
    if (action.kind === 'drop') continue;
    if (action.kind === 'arp-reply') {
      assert.equal(action.port, asker, 'an ARP reply goes only to the asking port');
      assert.ok(
        addresses.includes(`${action.ip}@${action.mac}`),
        `ARP reply ${action.ip} is at ${action.mac} leaks`,
      );
    } else if (action.port === TUNNEL_PORT) {
      assert.equal(action.tunId, vni, "the tunnel carries only the VPC's VNI");
      assert.ok(
        underlays.includes(action.tunDst!),
        `tunnel to ${action.tunDst} hosts none of ${vpcId}`,
      );
    } else {
      assert.ok(ofports.includes(action.port), `output to port ${action.port} outside ${vpcId}`);
    }
  }
}

export const localPacket = fc.record({
  port: fc.nat(),
  kind: fc.constantFrom('ipv4', 'arp', 'dhcp'),
  srcMac: fc.option(fc.nat(), { nil: undefined }),
  srcIp: fc.option(fc.nat(), { nil: undefined }),
  dst: destination,
  arpOp: fc.constantFrom(1, 2),
});

export function buildLocalPacket(model: Model, choice: LocalChoice): TracePacket {
  const port = pick(model.locals, choice.port);
  const ethSrc = choice.srcMac === undefined ? port.mac : pick(model.macs, choice.srcMac);
  const ipSrc = choice.srcIp === undefined ? port.ip : pick(model.ips, choice.srcIp);
  const { ethDst, ipDst } = destinationOf(model, choice.dst);
  const head = { inPort: port.ofport, ethSrc, ethDst };
  if (choice.kind === 'arp') {
    return { ...head, ethType: 'arp', arpOp: choice.arpOp, arpSpa: ipSrc, arpTpa: ipDst };
  }
  if (choice.kind === 'dhcp') {
    return { ...head, ethType: 'ipv4', ipSrc, ipDst, udpSrc: 68, udpDst: 67 };
  }
  return { ...head, ethType: 'ipv4', ipSrc, ipDst };
}
export type LocalChoice = typeof localPacket extends fc.Arbitrary<infer T> ? T : never;

export const withLocalPort = stateArbitrary.filter((state) => state.ports.length > 0);
