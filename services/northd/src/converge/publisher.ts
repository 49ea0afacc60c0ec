import { context } from '@opentelemetry/api';
import {
  ChassisDelta,
  ChassisState,
  convergeHeaders,
  maxChassisStateBytes,
  messageTypes,
  queues,
} from '@vpcd/api';
import type { Broker } from '@vpcd/messaging';
import { contextOf } from '../trace-parent.js';

/** One converge message for one chassis: a full state (starts a chain) or a delta on it. */
export type Outgoing =
  | { readonly kind: 'full'; readonly state: ChassisState; readonly route: Route }
  | { readonly kind: 'delta'; readonly delta: ChassisDelta; readonly route: Route };

/** Where a message goes and in which trace. */
export interface Route {
  /** host:port of the chassis' hvflowd, for southd. */
  readonly hvflowdAddr: string;
  /** The W3C traceparent of the change that made the message, so one trace spans the hops. */
  readonly traceparent: string | null;
}

/** What became of a publish: out (confirmed by the broker), or refused for good before sending. */
export type PublishOutcome = { readonly sent: true } | { readonly refused: string };

/** Sends converge messages; rejects when the broker did not take one (the caller retries). */
export interface ConvergePublisher {
  /** `attempt` is 0 for the first send of a message and counts its resends. */
  publish(message: Outgoing, attempt: number): Promise<PublishOutcome>;
}

/** The chassis, epoch and revision a message carries. */
export function messageKey(message: Outgoing): {
  chassisId: string;
  epoch: number;
  generation: number;
} {
  const m = message.kind === 'full' ? message.state : message.delta;
  return { chassisId: m.chassisId, epoch: m.epoch, generation: m.generation };
}

/**
 * Publishes converge messages to the converge exchange with publisher confirms, routed by
 * chassis id, with the fencing headers southd checks. A message over the transport limit is
 * not sent: no hop would carry it (northd's per-chassis limit keeps this from happening).
 */
export class BrokerPublisher implements ConvergePublisher {
  /**
   * The encoded body of each state or delta still referenced (in flight): a resend carries the
   * same bytes without encoding a large full state again, on a new route too.
   */
  private readonly bodies = new WeakMap<ChassisState | ChassisDelta, Buffer>();

  constructor(
    private readonly broker: Pick<Broker, 'publish'>,
    private readonly northdId: string,
  ) {}

  async publish(message: Outgoing, attempt: number): Promise<PublishOutcome> {
    const { chassisId, epoch, generation } = messageKey(message);
    const body = this.bodies.get(payloadOf(message)) ?? this.encode(message);
    if (body.length > maxChassisStateBytes) {
      return { refused: `too_large: ${body.length} bytes, limit ${maxChassisStateBytes}` };
    }
    // Published in the trace of the change that made it: one trace from the API call.
    await context.with(contextOf(message.route.traceparent), () =>
      this.broker.publish(queues.convergeExchange, chassisId, body, {
        messageId: `${chassisId}/${epoch}/${generation}/${attempt}`,
        type: message.kind === 'full' ? messageTypes.chassisState : messageTypes.chassisDelta,
        headers: {
          [convergeHeaders.chassisId]: chassisId,
          [convergeHeaders.epoch]: epoch,
          [convergeHeaders.generation]: generation,
          [convergeHeaders.northdId]: this.northdId,
          [convergeHeaders.hvflowdAddr]: message.route.hvflowdAddr,
        },
      }),
    );
    return { sent: true };
  }

  private encode(message: Outgoing): Buffer {
    const body = Buffer.from(
      message.kind === 'full'
        ? ChassisState.encode(message.state).finish()
        : ChassisDelta.encode(message.delta).finish(),
    );
    this.bodies.set(payloadOf(message), body);
    return body;
  }
}

const payloadOf = (message: Outgoing) => (message.kind === 'full' ? message.state : message.delta);
