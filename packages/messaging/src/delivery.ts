import type { ConsumeMessage } from 'amqplib';

/** One message as a consumer's handler sees it. */
export interface Delivery {
  body: Buffer;
  /** The publisher's headers, including `traceparent` (and `tracestate`) when it had a span. */
  headers: Record<string, unknown>;
  messageId?: string;
  /** The AMQP `type` property: the message's kind, when the publisher named it. */
  type?: string;
  /** The broker delivered it before (to this or another consumer) without an ack. */
  redelivered: boolean;
  /** Failed deliveries so far (quorum queues' `x-delivery-count`): 0 on the first delivery. */
  deliveryCount: number;
  routingKey: string;
}

/** What a handler asks for: `reject` dead-letters the message (or drops it without a DLQ). */
export type HandlerResult = 'ack' | 'requeue' | 'reject';

export type Handler = (message: Delivery) => Promise<HandlerResult>;

export function toDelivery(message: ConsumeMessage): Delivery {
  const headers = { ...(message.properties.headers ?? {}) } as Record<string, unknown>;
  const count = headers['x-delivery-count'];
  const delivery: Delivery = {
    body: message.content,
    headers,
    redelivered: message.fields.redelivered,
    deliveryCount: typeof count === 'number' && Number.isFinite(count) ? count : 0,
    routingKey: message.fields.routingKey,
  };
  const messageId: unknown = message.properties.messageId;
  if (typeof messageId === 'string') delivery.messageId = messageId;
  const type: unknown = message.properties.type;
  if (typeof type === 'string') delivery.type = type;
  return delivery;
}
