import { ChassisStateAck } from '@vpcd/api';
import { PORT_REJECT_REASONS } from '@vpcd/flows';
import type { Delivery, HandlerResult } from '@vpcd/messaging';
import type { Logger } from 'pino';
import { refusedReasons, type ConvergeMetrics } from './converge-metrics.js';
import type { AckNote } from './hints.js';

/** Where acknowledgements are recorded (store/chassis-status.ts, bound to a pool). */
export interface AckStore {
  /** Status moves to the ack's revision if its epoch is current; the rows it covered retire. */
  recordAck(ack: ChassisStateAck): Promise<{ recorded: boolean; lagSeconds: number | undefined }>;
  /** The rows of a message refused for good are not sent again until a newer change. */
  recordRefused(
    work: { chassisId: string; epoch: number; changes: readonly number[] },
    reason: string,
  ): Promise<void>;
  /** A FULL row, so that whoever owns the chassis sends a full state. */
  recordNeedsFull(chassisId: string): Promise<void>;
}

/**
 * Records acknowledgements from southd, then tells the chassis' owner (`answered`), which may
 * send its next message. Any northd may record any ack: the store's conditional update fences
 * older epochs and older revisions. An applied ack updates the status and retires the rows its
 * message covered (`changes`); needs_full (the chassis is not at the delta's base) asks for a
 * full state with a FULL row; a refusal for good marks its rows so they are not sent again; an
 * error changes nothing (the owner resends when no good ack comes). A database error requeues
 * the ack; garbage is dead-lettered.
 */
export function ackHandler(
  store: AckStore,
  metrics: ConvergeMetrics,
  logger: Logger,
  answered: (note: AckNote) => void,
): (delivery: Delivery) => Promise<HandlerResult> {
  return async (delivery) => {
    let ack: ChassisStateAck;
    try {
      ack = ChassisStateAck.decode(delivery.body);
    } catch (err) {
      logger.error({ err }, 'undecodable converge ack');
      return 'reject';
    }
    const note = (outcome: AckNote['outcome']): AckNote => ({
      chassisId: ack.chassisId,
      epoch: ack.epoch,
      generation: ack.generation,
      outcome,
    });
    const changes = ack.changes.map(Number);
    if (ack.refused !== '') {
      // Recorded before it is counted, so whoever sees the count finds the refusal recorded.
      await store.recordRefused(
        { chassisId: ack.chassisId, epoch: ack.epoch, changes },
        `${ack.refused}: ${ack.error}`,
      );
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
      answered(note('refused'));
      return 'ack';
    }
    if (ack.needsFullState) {
      metrics.acks.inc({ result: 'needs_full' });
      await store.recordNeedsFull(ack.chassisId);
      answered(note('needs_full'));
      return 'ack';
    }
    if (ack.error !== '') {
      metrics.acks.inc({ result: 'error' });
      logger.warn(
        { chassis: ack.chassisId, generation: ack.generation, error: ack.error },
        'chassis failed to apply',
      );
      return 'ack'; // the owner resends when no good ack arrives
    }
    const { recorded, lagSeconds } = await store.recordAck(ack);
    metrics.acks.inc({ result: recorded ? 'applied' : 'stale' });
    if (lagSeconds !== undefined) metrics.lag.observe(lagSeconds);
    const rejected = ack.rejectedPorts.filter((r) => !r.remote);
    if (recorded && rejected.length > 0) {
      // The reason comes from an agent: a label only from the known set, so none can add series.
      for (const r of rejected) metrics.rejectedInterfaces.inc({ reason: knownReason(r.reason) });
      logger.warn(
        {
          chassis: ack.chassisId,
          generation: ack.generation,
          rejected: rejected.map((r) => ({ interfaceId: r.interfaceId, reason: r.reason })),
        },
        'the chassis left interfaces out of its flows: they are FAILED',
      );
    }
    answered(note('applied'));
    return 'ack';
  };
}

const knownReasons = new Set<string>(PORT_REJECT_REASONS);
const knownReason = (reason: string) => (knownReasons.has(reason) ? reason : 'other');
