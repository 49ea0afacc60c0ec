import {
  ChassisState,
  ChassisStateAck,
  convergeHeaders,
  maxChassisStateBytes,
  messageTypes,
  queues,
} from '@vpcd/api';
import { fullJitterDelayMs, sleep } from '@vpcd/backoff';
import type { Broker, Delivery, HandlerResult } from '@vpcd/messaging';
import { isRpcError, RpcError, Status } from '@vpcd/rpc';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { HvflowdClients } from './hvflowd-clients.js';
import type { KeyedPool } from './keyed-pool.js';
import { refusal, type Refusal } from './refusal.js';
import { Supersede } from './supersede.js';

export interface DeliverOptions {
  readonly broker: Broker;
  readonly clients: HvflowdClients;
  readonly pool: KeyedPool;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Deadline of one ApplyChassisState call. */
  readonly applyTimeoutMs: number;
  /** Backoff before an undeliverable state goes back to the queue: first and cap. */
  readonly retryDelayMs: { initial: number; max: number };
}

// Codes after which the same state may succeed later: requeue with backoff, never drop.
const retryable = new Set<Status>([
  Status.UNAVAILABLE,
  Status.DEADLINE_EXCEEDED,
  Status.CANCELLED,
  Status.RESOURCE_EXHAUSTED,
  Status.ABORTED,
  Status.INTERNAL,
  Status.UNKNOWN,
]);

export type DeliveryResult =
  'applied' | 'superseded' | 'fenced' | 'retry' | 'failed' | 'malformed' | 'dead_lettered';

/** Why a state is dead-lettered; each reason's series exists from the start (at 0). */
const deadLetterReasons = ['malformed', 'too_large', 'invalid'] as const;

/**
 * The converge queue's handler: applies one ChassisState on its chassis' hvflowd and publishes
 * the outcome to northd. Work already overtaken by a newer state for its chassis is dropped
 * (superseded); work fenced by a newer lease epoch is dropped; an unreachable hvflowd means
 * requeue after a capped, jittered backoff; a state hvflowd refuses is acknowledged with the error.
 * A state refused for good (undecodable, larger than any hop carries, invalid to hvflowd) is
 * dead-lettered at once and counted, never retried, and northd is told so in the ack (it then
 * stops sending that generation; see ChassisStateAck.refused).
 */
export function deliverHandler(o: DeliverOptions): (delivery: Delivery) => Promise<HandlerResult> {
  const supersede = new Supersede();
  const results = new Counter({
    name: 'southd_deliveries_total',
    help: 'Converge states handled, by result.',
    labelNames: ['result'],
    registers: [o.registry],
  });
  const count = (result: DeliveryResult) => results.inc({ result });
  const deadLettered = new Counter({
    name: 'southd_dead_lettered_total',
    help:
      'Converge states dead-lettered because no retry can succeed, by reason: malformed ' +
      '(undecodable), too_large (over the transport limit), invalid (hvflowd refused it).',
    labelNames: ['reason'],
    registers: [o.registry],
  });
  for (const reason of deadLetterReasons) deadLettered.inc({ reason }, 0);
  const deadLetter = (reason: (typeof deadLetterReasons)[number]) => {
    count('dead_lettered');
    deadLettered.inc({ reason });
    return 'reject' as const;
  };
  const publishAck = (ack: ChassisStateAck) =>
    o.broker.publish(queues.acksExchange, '', Buffer.from(ChassisStateAck.encode(ack).finish()), {
      type: messageTypes.chassisStateAck,
    });

  return async (delivery) => {
    let state: ChassisState;
    try {
      state = ChassisState.decode(delivery.body);
    } catch (err) {
      o.logger.error({ err }, 'undecodable converge state: dead-lettered');
      count('malformed');
      deadLettered.inc({ reason: 'malformed' });
      return 'reject';
    }
    const version = { generation: state.generation, epoch: state.epoch };
    const header = delivery.headers[convergeHeaders.hvflowdAddr];
    const address =
      typeof header === 'string' ? header : Buffer.isBuffer(header) ? header.toString() : '';
    if (!supersede.offer(state.chassisId, version)) {
      count('superseded');
      return 'ack';
    }
    const ack = {
      chassisId: state.chassisId,
      epoch: state.epoch,
      generation: state.generation,
      stateHash: '',
      error: '',
      rejectedPorts: [],
      refused: '',
      needsFullState: false,
      changes: state.changes,
      contentHash: '',
    };
    const refuse = async (r: Refusal) => {
      o.logger.error(
        {
          chassis: state.chassisId,
          generation: state.generation,
          reason: r.reason,
          error: r.error,
        },
        'converge state refused for good: dead-lettered',
      );
      await publishAck({ ...ack, error: r.error, refused: r.reason });
      return deadLetter(r.reason);
    };
    if (delivery.body.length > maxChassisStateBytes) {
      return refuse({
        reason: 'too_large',
        error: `state of ${delivery.body.length} bytes, over the limit of ${maxChassisStateBytes}`,
      });
    }
    const outcome = await o.pool.run(state.chassisId, async () => {
      if (!supersede.isCurrent(state.chassisId, version)) return 'superseded' as const;
      if (address === '') return new RpcError(Status.FAILED_PRECONDITION, 'no hvflowd_addr header');
      try {
        const applied = await o.clients
          .get(address, state.chassisId)
          .applyChassisState({ state }, { deadlineMs: o.applyTimeoutMs });
        return applied;
      } catch (err) {
        const refusal = o.clients.identityRefusal(address, state.chassisId);
        // Not an outage: the hvflowd at that address is another chassis (a stale or forged
        // registration). Retrying the same address cannot help; northd gets the error.
        if (refusal !== undefined) return new RpcError(Status.PERMISSION_DENIED, refusal);
        return RpcError.from(err);
      }
    });
    if (outcome === 'superseded') {
      count('superseded');
      return 'ack';
    }
    if (isRpcError(outcome)) {
      if (outcome.code === Status.FAILED_PRECONDITION && /epoch/.test(outcome.message)) {
        count('fenced');
        return 'ack';
      }
      const refused = refusal(outcome);
      if (refused) return refuse(refused);
      if (retryable.has(outcome.code)) {
        count('retry');
        o.logger.warn(
          {
            chassis: state.chassisId,
            address,
            code: Status[outcome.code],
            attempt: delivery.deliveryCount,
          },
          'hvflowd unreachable; requeued',
        );
        await sleep(
          fullJitterDelayMs(delivery.deliveryCount, {
            initialDelayMs: o.retryDelayMs.initial,
            maxDelayMs: o.retryDelayMs.max,
            minDelayMs: o.retryDelayMs.initial,
          }),
        );
        return 'requeue';
      }
      count('failed');
      await publishAck({ ...ack, error: `${Status[outcome.code]}: ${outcome.message}` });
      return 'ack';
    }
    // Ports hvflowd left out travel with the ack: northd marks their interfaces FAILED.
    await publishAck({
      ...ack,
      stateHash: outcome.stateHash,
      rejectedPorts: outcome.rejectedPorts,
    });
    count('applied');
    return 'ack';
  };
}
