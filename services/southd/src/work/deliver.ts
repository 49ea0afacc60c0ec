import {
  ChassisDelta,
  ChassisState,
  ChassisStateAck,
  type ApplyChassisStateRequest,
  convergeHeaders,
  maxChassisStateBytes,
  messageTypes,
  queues,
} from '@vpcd/api';
import { fullJitterDelayMs, sleep, type BackoffPolicy } from '@vpcd/backoff';
import type { Broker, Delivery, HandlerResult } from '@vpcd/messaging';
import { isRpcError, RpcError, Status } from '@vpcd/rpc';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { HvflowdClients } from './hvflowd-clients.js';
import type { KeyedPool } from './keyed-pool.js';
import { LastApplied } from './applied.js';
import { refusal, type Refusal } from './refusal.js';
import { Supersede, type WorkKind } from './supersede.js';
import type { Unreachable } from './unreachable.js';

export interface DeliverOptions {
  readonly broker: Broker;
  readonly clients: HvflowdClients;
  readonly pool: KeyedPool;
  /** Addresses that did not answer: not called again until their backoff has passed. */
  readonly unreachable: Unreachable;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Deadline of one ApplyChassisState call. */
  readonly applyTimeoutMs: number;
  /** Backoff before an undeliverable state goes back to the queue, by its deliveries so far. */
  readonly retry: BackoffPolicy;
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

// Codes of a call that reached no hvflowd that answered: its address is left alone a while.
const unanswered = new Set<Status>([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED]);

export type DeliveryResult =
  | 'applied'
  | 'duplicate'
  | 'needs_full'
  | 'superseded'
  | 'fenced'
  | 'retry'
  | 'deferred'
  | 'failed'
  | 'malformed'
  | 'dead_lettered';

/** One converge message, decoded by its type: what is applied and what the ack echoes. */
interface Work {
  readonly kind: WorkKind;
  readonly chassisId: string;
  readonly epoch: number;
  readonly generation: number;
  readonly changes: number[];
  readonly request: ApplyChassisStateRequest;
}

/** Decodes a converge delivery by its AMQP type: a ChassisDelta, else a ChassisState. */
function decodeWork(delivery: Delivery): Work {
  if (delivery.type === messageTypes.chassisDelta) {
    const delta = ChassisDelta.decode(delivery.body);
    return { kind: 'delta', ...versionOf(delta), request: { delta } };
  }
  const state = ChassisState.decode(delivery.body);
  return { kind: 'state', ...versionOf(state), request: { state } };
}

function versionOf(message: ChassisState | ChassisDelta) {
  const { chassisId, epoch, generation, changes } = message;
  return { chassisId, epoch, generation, changes };
}

/** Why a state is dead-lettered; each reason's series exists from the start (at 0). */
const deadLetterReasons = ['malformed', 'too_large', 'invalid'] as const;

/**
 * The converge queue's handler: applies one ChassisState or ChassisDelta on its chassis' hvflowd
 * and publishes the outcome to northd, echoing the change-log entries the work covers. Work
 * already overtaken by a newer full state for its chassis is dropped (superseded; a delta never
 * supersedes); work fenced by a newer lease epoch is dropped; a delta hvflowd did not apply
 * because it is on another revision is acknowledged with needs_full_state (northd then sends a
 * full state); an unreachable hvflowd means requeue after a capped, jittered backoff, waited out
 * in southd while few deliveries wait (Unreachable), else at once acknowledged with the error
 * (`deferred`: the owner resends it from its change log), and its address is not called again
 * until its own backoff has passed; a state hvflowd refuses is acknowledged with the error.
 * A state refused for good (undecodable, larger than any hop carries, invalid to hvflowd) is
 * dead-lettered at once and counted, never retried, and northd is told so in the ack (it then
 * stops sending that generation; see ChassisStateAck.refused).
 */
export function deliverHandler(o: DeliverOptions): (delivery: Delivery) => Promise<HandlerResult> {
  const supersede = new Supersede();
  const lastApplied = new LastApplied();
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
    let work: Work;
    try {
      work = decodeWork(delivery);
    } catch (err) {
      o.logger.error({ err, type: delivery.type }, 'undecodable converge work: dead-lettered');
      count('malformed');
      deadLettered.inc({ reason: 'malformed' });
      return 'reject';
    }
    const { chassisId, kind } = work;
    const version = { generation: work.generation, epoch: work.epoch };
    const header = delivery.headers[convergeHeaders.hvflowdAddr];
    const address =
      typeof header === 'string' ? header : Buffer.isBuffer(header) ? header.toString() : '';
    if (!supersede.offer(chassisId, version, kind)) {
      count('superseded');
      return 'ack';
    }
    const ack: ChassisStateAck = {
      chassisId,
      epoch: work.epoch,
      generation: work.generation,
      stateHash: '',
      error: '',
      rejectedPorts: [],
      refused: '',
      needsFullState: false,
      changes: work.changes,
      contentHash: '',
    };
    const refuse = async (r: Refusal) => {
      o.logger.error(
        {
          chassis: chassisId,
          kind,
          generation: work.generation,
          reason: r.reason,
          error: r.error,
        },
        'converge work refused for good: dead-lettered',
      );
      await publishAck({ ...ack, error: r.error, refused: r.reason });
      return deadLetter(r.reason);
    };
    if (delivery.body.length > maxChassisStateBytes) {
      return refuse({
        reason: 'too_large',
        error: `${kind} of ${delivery.body.length} bytes, over the limit of ${maxChassisStateBytes}`,
      });
    }
    const outcome = await o.pool.run(chassisId, async () => {
      if (!supersede.isCurrent(chassisId, version)) return 'superseded' as const;
      if (address === '') return new RpcError(Status.FAILED_PRECONDITION, 'no hvflowd_addr header');
      const repeated = lastApplied.answerFor(chassisId, version);
      if (repeated) return { repeated };
      const attempt = o.unreachable.attempt(address);
      if (!attempt.call) return new RpcError(Status.UNAVAILABLE, attempt.reason);
      try {
        const applied = await o.clients
          .get(address, chassisId)
          .applyChassisState(work.request, { deadlineMs: o.applyTimeoutMs });
        attempt.done(true);
        lastApplied.record(chassisId, version, applied);
        return applied;
      } catch (err) {
        lastApplied.forget(chassisId);
        const refusal = o.clients.identityRefusal(address, chassisId);
        // Not an outage: the hvflowd at that address is another chassis (a stale or forged
        // registration). Retrying the same address cannot help; northd gets the error.
        if (refusal !== undefined) {
          attempt.done(true);
          return new RpcError(Status.PERMISSION_DENIED, refusal);
        }
        const error = RpcError.from(err);
        attempt.done(!unanswered.has(error.code));
        return error;
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
        const details = {
          chassis: chassisId,
          address,
          code: Status[outcome.code],
          error: outcome.message,
          attempt: delivery.deliveryCount,
        };
        const release = o.unreachable.waitSlot();
        if (release === undefined) {
          // Enough deliveries hold their prefetch slots already: this one goes back to its
          // owner, which resends it, rather than hold a slot other chassis' work needs.
          count('deferred');
          o.logger.warn(details, 'hvflowd unreachable; handed back to northd to resend');
          await publishAck({ ...ack, error: `${Status[outcome.code]}: ${outcome.message}` });
          return 'ack';
        }
        count('retry');
        o.logger.warn(details, 'hvflowd unreachable; requeued');
        try {
          await sleep(fullJitterDelayMs(delivery.deliveryCount, o.retry));
        } finally {
          release();
        }
        return 'requeue';
      }
      count('failed');
      await publishAck({ ...ack, error: `${Status[outcome.code]}: ${outcome.message}` });
      return 'ack';
    }
    const answer = 'repeated' in outcome ? outcome.repeated : outcome;
    // Ports hvflowd left out travel with the ack: northd marks their interfaces FAILED.
    await publishAck({
      ...ack,
      stateHash: answer.stateHash,
      rejectedPorts: answer.rejectedPorts,
      needsFullState: answer.needsFullState,
      contentHash: answer.contentHash,
    });
    count('repeated' in outcome ? 'duplicate' : answer.needsFullState ? 'needs_full' : 'applied');
    return 'ack';
  };
}
