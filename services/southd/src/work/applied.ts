import type { ApplyChassisStateResponse } from '@vpcd/api';
import type { Version } from './supersede.js';

/**
 * What each chassis' hvflowd last answered to work it applied, by version. northd sends a
 * message again when its ack is late or lost; the copy has the same epoch and revision and
 * carries the same content, so it is answered with the answer already given instead of being
 * decoded, checked and diffed by hvflowd a second time: under load, copies of large full states
 * would otherwise take the chassis' time from the work it is behind on. One answer per chassis
 * is kept, replaced by the next; an answer that asked for a full state is not kept.
 */
export class LastApplied {
  private readonly byChassis = new Map<
    string,
    { readonly version: Version; readonly answer: ApplyChassisStateResponse }
  >();

  record(chassisId: string, version: Version, answer: ApplyChassisStateResponse): void {
    if (answer.needsFullState) {
      this.byChassis.delete(chassisId);
      return;
    }
    this.byChassis.set(chassisId, { version, answer });
  }

  /** The answer hvflowd gave to this very version of the chassis' work, if it was the last. */
  answerFor(chassisId: string, version: Version): ApplyChassisStateResponse | undefined {
    const last = this.byChassis.get(chassisId);
    if (!last) return undefined;
    const same =
      last.version.epoch === version.epoch && last.version.generation === version.generation;
    return same ? last.answer : undefined;
  }

  /** Forgets a chassis, e.g. when its hvflowd failed: the next copy goes to hvflowd again. */
  forget(chassisId: string): void {
    this.byChassis.delete(chassisId);
  }
}
