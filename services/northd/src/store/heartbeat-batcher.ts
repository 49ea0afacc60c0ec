import type { Queryable } from '@vpcd/db';
import { recordHeartbeats, type Heartbeat, type HeartbeatAnswer } from './chassis-status.js';
import { GroupBatcher } from './group-batcher.js';

/**
 * Records heartbeats in batches (group commit, see GroupBatcher): a fleet of 1,000 chassis
 * beating every 5 s made two statements per beat, most of the statements of the instance it
 * reached, and took every connection of its pool. Safe for concurrent use.
 */
export class HeartbeatBatcher {
  private readonly batcher: GroupBatcher<Heartbeat, HeartbeatAnswer>;

  /** `maxBatch`: most beats in one batch (one IN list). Default 500. */
  constructor(db: Queryable, maxBatch = 500) {
    this.batcher = new GroupBatcher<Heartbeat, HeartbeatAnswer>(
      (beats) => recordHeartbeats(db, beats),
      { maxBatch, parallel: 1 },
    );
  }

  /** Records one heartbeat; rejects with NOT_FOUND for an unregistered chassis, or DbError. */
  record(beat: Heartbeat): Promise<HeartbeatAnswer> {
    return this.batcher.submit(beat);
  }
}
