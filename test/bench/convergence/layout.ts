import type { ConvergenceBenchOptions } from './convergence-args.js';

/** What one variant loads: its VPCs' shape and the fleet chassis they span. */
export interface VariantPlan {
  /** `small`, `large`, `shared`. */
  readonly name: VariantName;
  /** Interfaces each VPC holds before the load. */
  readonly interfacesPerVpc: number;
  /** The chassis of each VPC, by VPC index: the load places each VPC's interfaces there. */
  readonly chassisByVpc: readonly (readonly string[])[];
}

export type VariantName = 'small' | 'large' | 'shared';

/** The variants, in the order the odd rounds measure them (the even ones reverse it). */
export const variantNames: readonly VariantName[] = ['small', 'large', 'shared'];

/** Variant order of round r (1-based): A B C in odd rounds, C B A in even ones. */
export function roundOrder(round: number): VariantName[] {
  return round % 2 === 1 ? [...variantNames] : [...variantNames].reverse();
}

/** How a variant is named in the report. */
export function variantLabel(name: VariantName, o: ConvergenceBenchOptions): string {
  const n = name === 'large' ? o.largeInterfaces : o.smallInterfaces;
  const where = name === 'shared' ? 'all on the same chassis' : 'each on chassis of its own';
  return `${o.vpcs} VPCs of ${n.toLocaleString('en-US')}, ${where}`;
}

/**
 * The chassis of the fleet, split so that no variant's state reaches another's: `small` and
 * `large` get vpcs x chassisPerVpc chassis each, VPC k on chassis of its own; `shared` gets
 * chassisPerVpc more, every one of its VPCs spanning all of them. With the full-size defaults:
 * 64 + 64 + 8 chassis. A chassis' full state holds every VPC present on it, so a variant that
 * shared chassis with another would carry that one's interfaces in every state it sends.
 */
export function planVariants(
  o: ConvergenceBenchOptions,
  chassisIds: readonly string[],
): Record<VariantName, VariantPlan> {
  let next = 0;
  const take = (n: number) => {
    const ids = chassisIds.slice(next, next + n);
    if (ids.length < n) throw new Error(`the fleet has ${chassisIds.length} chassis, too few`);
    next += n;
    return ids;
  };
  const ownChassis = () =>
    Array.from({ length: o.vpcs }, () => take(o.chassisPerVpc) as readonly string[]);
  const small = ownChassis();
  const large = ownChassis();
  const sharedChassis = take(o.chassisPerVpc);
  return {
    small: { name: 'small', interfacesPerVpc: o.smallInterfaces, chassisByVpc: small },
    large: { name: 'large', interfacesPerVpc: o.largeInterfaces, chassisByVpc: large },
    shared: {
      name: 'shared',
      interfacesPerVpc: o.smallInterfaces,
      chassisByVpc: Array.from({ length: o.vpcs }, () => sharedChassis),
    },
  };
}

/** Chassis the fleet simulates for `o`: every variant's. */
export function fleetSizeFor(o: ConvergenceBenchOptions): number {
  return 2 * o.vpcs * o.chassisPerVpc + o.chassisPerVpc;
}

/**
 * The /16 of VPC `k` of all the benchmark's VPCs: 10.0.0.0/16 onwards, room for a large VPC
 * and the interfaces a window adds to it.
 */
export const vpcCidr = (k: number) => `10.${k}.0.0/16`;
