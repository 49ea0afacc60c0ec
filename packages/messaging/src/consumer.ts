import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
} from '@opentelemetry/api';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { fullJitterDelayMs, sleep } from '@vpcd/backoff';
import { toDelivery, type Delivery, type Handler, type HandlerResult } from './delivery.js';
import { isMessagingError, MessagingError } from './messaging-error.js';
import type { ConsumeResult, MessagingMetrics } from './metrics.js';
import type { CompiledBrokerOptions } from './options.js';
import { verify, type RejectReason } from './signing.js';
import { headersGetter, propagator } from './trace-context.js';

/** A running subscription; `cancel` stops it and waits for its running handlers. */
export interface Consumer {
  cancel(): Promise<void>;
}

export interface ConsumeOptions {
  /** Unacknowledged deliveries (and so running handlers) at once for this consumer. Default 16. */
  prefetch?: number;
  /**
   * The only message type (the AMQP `type` property) this consumer takes: a delivery of another
   * type, or of none, is refused before the handler (reason `wrong_type`). Default: any.
   */
  type?: string;
  /**
   * Wait for the queue when it does not exist yet (another service declares it): consuming is
   * retried with backoff instead of rejecting with `refused`. Default false.
   */
  awaitQueue?: boolean;
}

const results = new Set<string>(['ack', 'requeue', 'reject']);

/**
 * One subscription to one queue, on a channel of its own (so its prefetch is its own), carried
 * over reconnects. Safe to cancel at any point, also while it attaches.
 */
export class QueueConsumer implements Consumer {
  private model: ChannelModel | undefined;
  private channel: Channel | undefined;
  private consumerTag: string | undefined;
  private attaching: Promise<unknown> = Promise.resolve();
  private cancelled = false;
  private cancelling: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly running = new Set<Promise<void>>();
  private readonly waiting: Array<{ channel: Channel; message: ConsumeMessage }> = [];

  constructor(
    readonly queue: string,
    private readonly handler: Handler,
    private readonly prefetch: number,
    private readonly expectedType: string | undefined,
    private readonly options: CompiledBrokerOptions,
    private readonly metrics: MessagingMetrics,
    private readonly onCancel: (consumer: QueueConsumer) => void,
  ) {}

  /**
   * Consumes on `model` (a new connection). Resolves after the first attempt: a failure is
   * retried with backoff while this connection lasts.
   */
  resume(model: ChannelModel): Promise<void> {
    return this.attach(model, 'retry').catch(() => undefined);
  }

  /** Like resume, but a refusal (e.g. 404, no such queue) rejects and is not retried. */
  start(model: ChannelModel): Promise<void> {
    return this.attach(model, 'reject-refusal').catch((err: unknown) => {
      if (isMessagingError(err) && err.kind === 'refused') throw err;
    });
  }

  private attach(model: ChannelModel, onRefusal: 'retry' | 'reject-refusal'): Promise<void> {
    this.model = model;
    const first = this.consumeOn(model).catch((err: unknown) => {
      throw MessagingError.from(err);
    });
    this.attaching = first.catch((err: MessagingError) => {
      if (err.kind === 'refused' && onRefusal === 'reject-refusal') return;
      return this.retry(model, err);
    });
    return first;
  }

  /** The connection is gone: deliveries not yet handled will be redelivered. */
  detach(): void {
    this.model = undefined;
    this.channel = undefined;
    this.consumerTag = undefined;
    this.waiting.length = 0;
  }

  /** Cancels the subscription, waits for running handlers (their acks go out), closes the channel. */
  cancel(): Promise<void> {
    this.cancelled = true;
    this.cancelling ??= this.stop();
    return this.cancelling;
  }

  private async stop(): Promise<void> {
    this.abort.abort();
    this.onCancel(this);
    await this.attaching;
    const { channel, consumerTag } = this;
    if (channel && consumerTag !== undefined) {
      await channel.cancel(consumerTag).catch((err: unknown) => {
        this.options.logger.debug({ err, queue: this.queue }, 'basic.cancel failed');
      });
    }
    this.waiting.length = 0;
    this.options.logger.debug(
      { queue: this.queue, running: this.running.size },
      'consumer cancelled; waiting for running handlers',
    );
    await Promise.allSettled([...this.running]);
    this.channel = undefined;
    this.consumerTag = undefined;
    await channel?.close().catch(() => undefined);
  }

  private async retry(model: ChannelModel, lastError: MessagingError): Promise<void> {
    for (let attempt = 0; this.model === model && !this.cancelled; attempt += 1) {
      const delayMs = fullJitterDelayMs(attempt, this.options.reconnect);
      this.options.logger.warn(
        { err: lastError, queue: this.queue, delayMs },
        'cannot consume; retrying',
      );
      await sleep(delayMs, this.abort.signal);
      if (this.model !== model || this.cancelled) return;
      try {
        await this.consumeOn(model);
        return;
      } catch (err) {
        lastError = MessagingError.from(err);
      }
    }
  }

  private async consumeOn(model: ChannelModel): Promise<void> {
    if (this.cancelled) return;
    const channel = await model.createChannel();
    let established = false;
    channel.on('error', (err: unknown) => {
      this.options.logger.warn({ err, queue: this.queue }, 'consumer channel closed by the broker');
    });
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      this.consumerTag = undefined;
      // Closed alone (the connection is still there): consume again on a new channel.
      if (established && this.model === model && !this.cancelled) this.reattach(model);
    });
    // Current before basic.consume-ok: deliveries may arrive in the same read as the reply.
    this.channel = channel;
    try {
      await channel.prefetch(this.prefetch);
      const { consumerTag } = await channel.consume(
        this.queue,
        (message) => this.onMessage(channel, message),
        { noAck: false },
      );
      this.consumerTag = consumerTag;
      established = true;
    } catch (err) {
      if (this.channel === channel) this.channel = undefined;
      await channel.close().catch(() => undefined);
      throw err;
    }
  }

  private reattach(model: ChannelModel): void {
    this.attaching = this.retry(
      model,
      new MessagingError('unavailable', 'the consumer channel closed'),
    );
  }

  private onMessage(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // basic.cancel from the broker: the queue was deleted. Try again, with backoff.
      this.options.logger.warn({ queue: this.queue }, 'the broker cancelled the consumer');
      if (this.channel === channel) channel.close().catch(() => undefined);
      return;
    }
    this.waiting.push({ channel, message });
    this.drain();
  }

  // Starts waiting deliveries while fewer than `prefetch` handlers run. The broker never has more
  // than `prefetch` unacknowledged on a channel, but after a reconnect handlers of the lost channel
  // may still be running: they count too.
  private drain(): void {
    if (this.cancelled) {
      // Not started: they go back to the queue when the channel closes.
      this.waiting.length = 0;
      return;
    }
    while (this.running.size < this.prefetch && this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      if (next.channel !== this.channel) continue;
      const run = this.handle(next.channel, next.message);
      this.running.add(run);
      void run.finally(() => {
        this.running.delete(run);
        this.drain();
      });
    }
  }

  private async handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    const client = this.options.name;
    const queue = this.queue;
    const delivery = toDelivery(message);
    if (delivery.redelivered) this.metrics.redelivered.inc({ client, queue });
    const refusal = this.authenticate(delivery);
    if (refusal) {
      this.refuse(channel, message, delivery, refusal);
      return;
    }
    this.metrics.consumeInFlight.inc({ client, queue });
    const parent: Context = propagator.extract(ROOT_CONTEXT, delivery.headers, headersGetter);
    const span = this.options.tracer.startSpan(
      `process ${queue}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'consume',
          'messaging.destination.name': queue,
          'messaging.rabbitmq.destination.routing_key': delivery.routingKey,
          'messaging.rabbitmq.message.delivery_tag': message.fields.deliveryTag,
          'messaging.message.body.size': delivery.body.length,
          ...(delivery.messageId === undefined
            ? {}
            : { 'messaging.message.id': delivery.messageId }),
        },
      },
      parent,
    );
    let result: ConsumeResult;
    try {
      const answer: unknown = await context.with(trace.setSpan(parent, span), () =>
        this.handler(delivery),
      );
      if (typeof answer !== 'string' || !results.has(answer)) {
        throw new TypeError(`handler returned ${String(answer)}, not 'ack', 'requeue' or 'reject'`);
      }
      result = answer as HandlerResult;
    } catch (err) {
      result = 'error';
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
      this.options.logger.warn(
        { err, queue, messageId: delivery.messageId, deliveryCount: delivery.deliveryCount },
        'handler failed; requeueing',
      );
    }
    span.setAttribute('messaging.vpcd.result', result);
    this.settle(channel, message, result);
    this.metrics.consumed.inc({ client, queue, result });
    this.metrics.consumeInFlight.dec({ client, queue });
    span.end();
  }

  // Whether the delivery may reach the handler: signed by a known key when the broker has keys,
  // of the expected type when the consumer names one.
  private authenticate(delivery: Delivery): { reason: RejectReason; keyId?: string } | undefined {
    const signing = this.options.signing;
    if (signing) {
      const failure = verify(signing, {
        type: delivery.type ?? '',
        messageId: delivery.messageId ?? '',
        headers: delivery.headers,
        body: delivery.body,
      });
      if (failure) return failure;
    }
    if (this.expectedType !== undefined && delivery.type !== this.expectedType) {
      return { reason: 'wrong_type' };
    }
    return undefined;
  }

  // Dead-letters a delivery that failed authentication (never requeued: it cannot pass later),
  // and logs where it came in, never its body or its headers' values.
  private refuse(
    channel: Channel,
    message: ConsumeMessage,
    delivery: Delivery,
    refusal: { reason: RejectReason; keyId?: string },
  ): void {
    const client = this.options.name;
    const queue = this.queue;
    this.settle(channel, message, 'reject');
    this.metrics.rejected.inc({ client, queue, reason: refusal.reason });
    this.metrics.consumed.inc({ client, queue, result: 'reject' });
    this.options.logger.warn(
      {
        queue,
        reason: refusal.reason,
        keyId: refusal.keyId,
        exchange: message.fields.exchange,
        routingKey: delivery.routingKey.slice(0, 256),
        messageId: delivery.messageId?.slice(0, 256),
        type: delivery.type?.slice(0, 256),
        bodyBytes: delivery.body.length,
      },
      'message refused: failed authentication; dead-lettered',
    );
  }

  private settle(channel: Channel, message: ConsumeMessage, result: ConsumeResult): void {
    try {
      if (result === 'ack') channel.ack(message);
      else channel.nack(message, false, result !== 'reject');
    } catch (err) {
      // The channel is gone, and with it the delivery: the broker redelivers the message.
      this.options.logger.debug(
        { err, queue: this.queue, result },
        'settlement lost with its channel',
      );
    }
  }
}
