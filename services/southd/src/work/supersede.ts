/** A converge state's place in its chassis' history: generation first, then lease epoch. */
export interface Version {
  readonly generation: number;
  readonly epoch: number;
}

function newer(a: Version, b: Version): boolean {
  return a.generation > b.generation || (a.generation === b.generation && a.epoch > b.epoch);
}

/**
 * The newest version seen per chassis. Work for an older version than one already seen is
 * superseded: the newer state is the full state, so applying the older one is wasted (and the
 * newer one's acknowledgement covers it).
 */
export class Supersede {
  private readonly latest = new Map<string, Version>();

  /** Records `version`; false when a newer one for the chassis was already seen. */
  offer(chassisId: string, version: Version): boolean {
    const seen = this.latest.get(chassisId);
    if (seen && newer(seen, version)) return false;
    this.latest.set(chassisId, version);
    return true;
  }

  /** True while nothing newer than `version` has arrived for the chassis. */
  isCurrent(chassisId: string, version: Version): boolean {
    const seen = this.latest.get(chassisId);
    return !seen || !newer(seen, version);
  }
}
