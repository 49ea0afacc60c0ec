/** An interface the calls know, with its VPC. */
export interface KnownInterface {
  readonly id: string;
  readonly vpcId: string;
}

/**
 * The resources the calls act on, and which of them this run created (cleanup deletes only
 * those). Safe for concurrent use by the calls of one process (single-threaded).
 */
export class Pools {
  /** VPCs that interfaces are created in and listed by: set up, found, or given. */
  readonly baseVpcs: string[] = [];
  /** Every VPC getVpc may ask for: the base ones and those createVpc made. */
  readonly vpcs: string[] = [];
  readonly chassis: string[] = [];
  /** Interfaces nothing deletes during the run: getInterface asks for these when there are any. */
  readonly stableInterfaces: KnownInterface[] = [];
  /** Interfaces createInterface made: deleteInterface takes from here. */
  readonly createdInterfaces: KnownInterface[] = [];
  /** Everything this run created and has not deleted, for cleanup. */
  readonly ownedVpcs = new Set<string>();
  readonly ownedInterfaces = new Set<string>();

  /** A random element, or undefined when there is none. */
  static pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(Math.random() * items.length)];
  }

  /** Removes and returns a random created interface. */
  takeCreatedInterface(): KnownInterface | undefined {
    const items = this.createdInterfaces;
    if (items.length === 0) return undefined;
    const i = Math.floor(Math.random() * items.length);
    const taken = items[i]!;
    items[i] = items[items.length - 1]!;
    items.pop();
    return taken;
  }
}
