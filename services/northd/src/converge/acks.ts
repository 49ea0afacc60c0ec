import { ChassisStateAck } from '@vpcd/api';
import type { Database } from '@vpcd/db';
import { changeLog } from '../store/change-log.js';
import { recordAck, recordNeedsFull, recordRefused } from '../store/chassis-status.js';
import type { Delivery, HandlerResult } from '@vpcd/messaging';
import type { Logger } from 'pino';
import { refusedReasons, type ConvergeMetrics } from './converge-metrics.js';

/**
 * Records acknowledgements from southd. An applied ack retires the change rows its message
 * covered and moves the chassis' status when its epoch is the lease's current one (older
 * owners' work is fenced) and its revision newer (see chassis-status.ts recordAck). Any northd
 * may record any ack. A database error requeues the ack; garbage is dead-lettered. An applied
 * ack also replaces the chassis' record of the ports its state left out (the local ones):
 * those interfaces read FAILED with the reason.
 * `stillBehind` is called when the chassis has changes pending after the ack, or asks for a
 * full state: its owner, which sends a chassis one message at a time, may send the next now.
 */
export function ackHandler(
  db: Database,
  metrics: ConvergeMetrics,
  logger: Logger,
  stillBehind: () => void,
): (delivery: Delivery) => Promise<HandlerResult> {
  return async (delivery) => {
    let ack: ChassisStateAck;
    try {
      ack = ChassisStateAck.decode(delivery.body);
    } catch (err) {
      logger.error({ err }, 'undecodable converge ack');
      return 'reject';
    }
    if (ack.refused !== '') {
      // Refused for good: these changes are not sent again (a newer one brings a full state).
      // Recorded before it is counted, so whoever sees the count finds the refusal recorded.
      await recordRefused(db, ack, `${ack.refused}: ${ack.error}`);
      metrics.acks.inc({ result: 'refused' });
      const reason = refusedReasons.find((r) => r === ack.refused);
      if (reason) metrics.refused.inc({ reason });
      logger.error(
        {
          chassis: ack.chassisId,
          generation: ack.generation,
          reason: ack.refused,
          error: ack.error,
        },
        'chassis state refused for good; not sent again until the chassis changes',
      );
      return 'ack';
    }
    if (ack.needsFullState) {
      metrics.acks.inc({ result: 'needs_full' });
      await recordNeedsFull(db, ack.chassisId);
      stillBehind();
      return 'ack';
    }
    if (ack.error !== '') {
      metrics.acks.inc({ result: 'error' });
      logger.warn(
        { chassis: ack.chassisId, generation: ack.generation, error: ack.error },
        'chassis failed to apply',
      );
      return 'ack'; // the converge loop sends again when no good ack arrives
    }
    const rejected = ack.rejectedPorts.filter((r) => !r.remote);
    const { recorded, lagSeconds } = await recordAck(db, ack);
    metrics.acks.inc({ result: recorded ? 'applied' : 'stale' });
    if (recorded && rejected.length > 0) {
      for (const r of rejected) metrics.rejectedInterfaces.inc({ reason: r.reason });
      logger.warn(
        {
          chassis: ack.chassisId,
          generation: ack.generation,
          rejected: rejected.map((r) => ({ interfaceId: r.interfaceId, reason: r.reason })),
        },
        'the chassis left interfaces out of its flows: they are FAILED',
      );
    }
    if (lagSeconds !== undefined) metrics.lag.observe(lagSeconds);
    if ((await changeLog.newest(db, [ack.chassisId])).size > 0) stillBehind();
    return 'ack';
  };
}
