import { ChassisState, ChassisStateAck, convergeHeaders, messageTypes, queues } from '@vpcd/api';
import type { Broker, Delivery, HandlerResult } from '@vpcd/messaging';
import { isRpcError, RpcError, Status } from '@vpcd/rpc';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { HvflowdClients } from './hvflowd-clients.js';
import type { KeyedPool } from './keyed-pool.js';
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

export type DeliveryResult = 'applied' | 'superseded' | 'fenced' | 'retry' | 'failed' | 'malformed';

/**
 * The converge queue's handler: applies one ChassisState on its chassis' hvflowd and publishes
 * the outcome to northd. Work already overtaken by a newer state for its chassis is dropped
 * (superseded); work fenced by a newer lease epoch is dropped; an unreachable hvflowd means
 * requeue after a capped, jittered backoff; a state hvflowd refuses is acknowledged with the error.
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
    };
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
        await sleep(backoffMs(delivery.deliveryCount, o.retryDelayMs));
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

function backoffMs(attempt: number, delay: { initial: number; max: number }): number {
  const ceiling = Math.min(delay.max, delay.initial * 2 ** Math.min(attempt, 16));
  return Math.max(delay.initial, Math.floor(Math.random() * ceiling));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
