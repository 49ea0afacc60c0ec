/** A converge message's place in its chassis' history: lease epoch first, then revision. */
export interface Version {
  readonly epoch: number;
  readonly generation: number;
}

/** What a converge message carries: the whole state, or a delta on a revision. */
export type WorkKind = 'state' | 'delta';

function newer(a: Version, b: Version): boolean {
  return a.epoch > b.epoch || (a.epoch === b.epoch && a.generation > b.generation);
}

/**
 * The newest full state seen per chassis. Work older than it is superseded: the full state
 * holds everything, so applying the older work is wasted, and the owner that sent the full state
 * has moved on from it. Only a full state supersedes: a delta never does (the chassis needs every
 * delta of its chain, in order), and a delta is never dropped for a later delta.
 */
export class Supersede {
  private readonly latestFull = new Map<string, Version>();

  /** Records the version of a full state; false when a newer full state was already seen. */
  offer(chassisId: string, version: Version, kind: WorkKind): boolean {
    if (!this.isCurrent(chassisId, version)) return false;
    if (kind === 'state') this.latestFull.set(chassisId, version);
    return true;
  }

  /** True while no full state newer than `version` has arrived for the chassis. */
  isCurrent(chassisId: string, version: Version): boolean {
    const seen = this.latestFull.get(chassisId);
    return !seen || !newer(seen, version);
  }
}
