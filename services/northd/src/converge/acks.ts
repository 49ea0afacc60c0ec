import { ChassisStateAck } from '@vpcd/api';
import type { Database } from '@vpcd/db';
import type { Delivery, HandlerResult } from '@vpcd/messaging';
import type { Logger } from 'pino';
import type { ConvergeMetrics } from './converge-metrics.js';

/**
 * Records acknowledgements from southd. An ack counts only when it fits: its epoch is the
 * chassis' current lease epoch (older owners' work is fenced) and its generation is newer than
 * the one recorded and not beyond the desired one. Any northd may record any ack; the
 * conditional update decides. A database error requeues the ack; garbage is dead-lettered.
 * An applied ack also replaces the chassis' record of the ports its state left out (the local
 * ones; remote ones are their own chassis' to report), in the same statement: those interfaces
 * read FAILED with the reason, everyone else's ACTIVE.
 * `stillBehind` is called when a recorded ack leaves its chassis behind a newer desired
 * generation: its owner, which sends a chassis one state at a time, may send the next now.
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
    if (ack.error !== '') {
      metrics.acks.inc({ result: 'error' });
      logger.warn(
        { chassis: ack.chassisId, generation: ack.generation, error: ack.error },
        'chassis failed to apply',
      );
      return 'ack'; // the converge loop sends again when no good ack arrives
    }
    const rejected = ack.rejectedPorts.filter((r) => !r.remote);
    const { affectedRows } = await db.execute(
      `UPDATE chassis SET applied_generation = ?, applied_epoch = ?, state_hash = ?, rejected_ports = ?
       WHERE id = ? AND epoch = ? AND applied_generation < ? AND desired_generation >= ?`,
      [
        ack.generation,
        ack.epoch,
        ack.stateHash,
        rejected.length === 0
          ? null
          : JSON.stringify(
              Object.fromEntries(rejected.map((r) => [r.interfaceId, `${r.reason}: ${r.message}`])),
            ),
        ack.chassisId,
        ack.epoch,
        ack.generation,
        ack.generation,
      ],
    );
    metrics.acks.inc({ result: affectedRows > 0 ? 'applied' : 'stale' });
    if (affectedRows > 0 && rejected.length > 0) {
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
    if (affectedRows > 0) {
      const [row] = await db.query<{ lag_us: number; desired_generation: number }>(
        'SELECT TIMESTAMPDIFF(MICROSECOND, desired_changed_at, NOW(3)) AS lag_us, desired_generation FROM chassis WHERE id = ?',
        [ack.chassisId],
      );
      if (row && Number(row.desired_generation) === ack.generation) {
        metrics.lag.observe(Math.max(0, Number(row.lag_us)) / 1e6);
      } else if (row) {
        stillBehind();
      }
    }
    return 'ack';
  };
}
