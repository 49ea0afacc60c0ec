// Random chassis states for the property tests (not exported from the package). Addresses are
// drawn from small pools so that IPs and MACs repeat across VPCs, CIDRs overlap, and several
// remote ports share a chassis.
import type { ChassisDelta, ChassisState, PortState, RemotePortState, VpcState } from '@vpcd/api';
import fc from 'fast-check';
import type { CompileOptions } from './chassis-plan.js';

export const TUNNEL_PORT = 1000;
export const CHASSIS = [
  { chassisId: 'ch-2', underlayIp: '192.168.0.2' },
  { chassisId: 'ch-3', underlayIp: '192.168.0.3' },
  { chassisId: 'ch-4', underlayIp: '192.168.0.4' },
] as const;
const PREFIXES = ['10.0.0', '10.0.1'] as const;

/** MAC number n of the pool: 02:00:00:00:00:<n>. */
export const poolMac = (n: number): string => `02:00:00:00:00:${n.toString(16).padStart(2, '0')}`;
export const MAC_POOL = Array.from({ length: 12 }, (_, i) => poolMac(i + 1));
/** Every host address a port can get, in either prefix, plus the gateways. */
export const IP_POOL = PREFIXES.flatMap((prefix) =>
  Array.from({ length: 9 }, (_, i) => `${prefix}.${i + 1}`),
);

const portSpec = fc.record({
  vpc: fc.nat(),
  host: fc.integer({ min: 2, max: 9 }),
  mac: fc.integer({ min: 1, max: MAC_POOL.length }),
  remote: fc.boolean(),
  chassis: fc.nat(CHASSIS.length - 1),
});

export const stateArbitrary: fc.Arbitrary<ChassisState> = fc
  .record({
    vnis: fc.uniqueArray(fc.integer({ min: 1, max: 0xffffff }), { minLength: 1, maxLength: 4 }),
    prefixes: fc.array(fc.constantFrom(...PREFIXES), { minLength: 4, maxLength: 4 }),
    ports: fc.array(portSpec, { maxLength: 16, size: 'medium' }),
  })
  .map(({ vnis, prefixes, ports }) => {
    const vpcs: VpcState[] = vnis.map((vni, i) => ({
      vpcId: `vpc-${i}`,
      vni,
      cidr: `${prefixes[i]}.0/24`,
      gatewayIp: `${prefixes[i]}.1`,
    }));
    const local: PortState[] = [];
    const remote: RemotePortState[] = [];
    const taken = new Set<string>();
    ports.forEach((spec, i) => {
      const index = spec.vpc % vpcs.length;
      const vpc = vpcs[index]!;
      const ip = `${prefixes[index]}.${spec.host}`;
      if (taken.has(`${vpc.vpcId}/${ip}`)) return;
      taken.add(`${vpc.vpcId}/${ip}`);
      const port = { interfaceId: `if-${i}`, vpcId: vpc.vpcId, ip, mac: poolMac(spec.mac) };
      if (spec.remote) remote.push({ ...port, ...CHASSIS[spec.chassis]! });
      else local.push({ ...port, name: `tap${i}` });
    });
    return {
      chassisId: 'ch-1',
      epoch: 1,
      generation: 1,
      vpcs,
      ports: local,
      remotePorts: remote,
      changes: [],
    };
  });

/** Port `if-<n>` is ofport n + 1, in every state, so states compiled apart diff sensibly. */
export function optionsFor(state: ChassisState): CompileOptions {
  const portNumbers = new Map(
    state.ports.map((port) => [port.interfaceId, Number(port.interfaceId.slice(3)) + 1]),
  );
  return { portNumbers, tunnelPort: TUNNEL_PORT };
}

/**
 * Chains of states for the delta property tests: VNIs drawn from a pool of 4 (so that VPCs come
 * to share one as deltas change some and not others), of one chassis (`ch-1`, or `ch-2`, which
 * some remote ports are on), the first sometimes listing a port twice.
 */
export const stateChainArbitrary: fc.Arbitrary<ChassisState[]> = fc
  .tuple(
    fc.array(stateArbitrary, { minLength: 2, maxLength: 6 }),
    fc.constantFrom('ch-1', 'ch-2'),
    fc.boolean(),
  )
  .map(([states, chassisId, repeat]) =>
    states.map((state, i) => {
      const ports =
        repeat && i === 0 && state.ports.length > 0
          ? [...state.ports, { ...state.ports[0]!, name: 'again' }]
          : state.ports;
      return {
        ...state,
        chassisId,
        generation: i + 1,
        vpcs: state.vpcs.map((vpc) => ({ ...vpc, vni: 1 + (vpc.vni % 4) })),
        ports,
      };
    }),
  );

/**
 * Part of the delta from `from` to `to`: each entry of deltaBetween's lists kept when `keep`
 * says so (in turn), so that a chain mixes states, removes a VPC without listing its ports, and
 * at times adds a port of a VPC not held (a delta to refuse).
 */
export function partialDelta(delta: ChassisDelta, keep: () => boolean): ChassisDelta {
  return {
    ...delta,
    vpcs: delta.vpcs.filter(keep),
    ports: delta.ports.filter(keep),
    remotePorts: delta.remotePorts.filter(keep),
    removedVpcs: delta.removedVpcs.filter(keep),
    removedPorts: delta.removedPorts.filter(keep),
    removedRemotePorts: delta.removedRemotePorts.filter(keep),
  };
}
