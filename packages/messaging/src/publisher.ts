import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { MessagingError } from './messaging-error.js';
import type { MessagingMetrics } from './metrics.js';
import type { CompiledBrokerOptions } from './options.js';
import { sign, signatureHeader } from './signing.js';
import { headersSetter, propagator } from './trace-context.js';

export interface PublishOptions {
  headers?: Record<string, string | number>;
  messageId?: string;
  /**
   * The message's kind (the AMQP `type` property), e.g. 'vpc.v1.ChassisState'; covered by the
   * signature, and checked by a consumer that names the type it takes.
   */
  type?: string;
  /** Written to disk by the broker (delivery mode 2). Default true. */
  persistent?: boolean;
}

/**
 * Publishes on one confirm channel per connection and settles each publish by its own confirm.
 * A publish waits for a channel (through reconnects) until its deadline; once handed to a channel
 * it ends with the broker's ack, its nack, the channel's loss or the deadline, never silently.
 */
export class Publisher {
  private model: ChannelModel | undefined;
  private channel: ConfirmChannel | undefined;
  private closed = false;
  private readonly channelWaiters = new Set<() => void>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly closeErrors = new WeakMap<ConfirmChannel, unknown>();

  constructor(
    private readonly options: CompiledBrokerOptions,
    private readonly metrics: MessagingMetrics,
  ) {}

  /** Opens the confirm channel on a new connection; must be called before the broker is ready. */
  async attach(model: ChannelModel): Promise<void> {
    this.model = model;
    await this.openChannel(model);
  }

  /** The connection is gone: publishes wait for the next one. */
  detach(): void {
    this.model = undefined;
    this.channel = undefined;
  }

  publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: PublishOptions = {},
  ): Promise<void> {
    const run = this.run(exchange, routingKey, body, options);
    this.inFlight.add(run);
    void run.catch(() => undefined).finally(() => this.inFlight.delete(run));
    return run;
  }

  /** Rejects publishes waiting for a channel and new ones; waits for those awaiting a confirm. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeWaiters();
    await Promise.allSettled([...this.inFlight]);
    const channel = this.channel;
    this.channel = undefined;
    this.model = undefined;
    await channel?.close().catch(() => undefined);
  }

  private async run(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: PublishOptions,
  ): Promise<void> {
    const client = this.options.name;
    const startedAt = performance.now();
    const deadline = startedAt + this.options.publishTimeoutMs;
    const destination = exchange === '' ? 'amq.default' : exchange;
    const span = this.options.tracer.startSpan(`publish ${destination}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'publish',
        'messaging.destination.name': destination,
        'messaging.rabbitmq.destination.routing_key': routingKey,
        'messaging.message.body.size': body.length,
        ...(options.messageId === undefined ? {} : { 'messaging.message.id': options.messageId }),
      },
    });
    const headers: Record<string, unknown> = { ...options.headers };
    propagator.inject(trace.setSpan(context.active(), span), headers, headersSetter);
    if (this.options.signing) {
      try {
        headers[signatureHeader] = sign(this.options.signing, {
          type: options.type ?? '',
          messageId: options.messageId ?? '',
          headers,
          body,
        });
      } catch (err) {
        span.end(); // a header the signature cannot cover: the caller's mistake
        throw err;
      }
    }
    const properties: Options.Publish = { headers, persistent: options.persistent ?? true };
    if (options.messageId !== undefined) properties.messageId = options.messageId;
    if (options.type !== undefined) properties.type = options.type;

    this.metrics.published.inc({ client, exchange });
    this.metrics.publishInFlight.inc({ client });
    try {
      await this.confirmBy(deadline, exchange, routingKey, body, properties);
      this.metrics.confirmed.inc({ client, exchange });
      this.metrics.publishConfirmSeconds.observe(
        { client, exchange },
        (performance.now() - startedAt) / 1000,
      );
    } catch (err) {
      const error = MessagingError.from(err);
      this.metrics.nacked.inc({ client, exchange });
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      throw error;
    } finally {
      this.metrics.publishInFlight.dec({ client });
      span.end();
    }
  }

  private async confirmBy(
    deadline: number,
    exchange: string,
    routingKey: string,
    body: Buffer,
    properties: Options.Publish,
  ): Promise<void> {
    for (;;) {
      const channel = await this.channelBy(deadline);
      const sent = await new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new MessagingError('timeout', 'publish not confirmed in time'));
        }, deadline - performance.now());
        try {
          channel.publish(exchange, routingKey, body, properties, (err: unknown) => {
            clearTimeout(timer);
            if (err === null || err === undefined) resolve(true);
            else reject(confirmError(err, this.closeErrors.get(channel), exchange));
          });
        } catch {
          // The channel closed before the message was written: it was not sent, so sending it on
          // the next channel cannot duplicate it.
          clearTimeout(timer);
          if (this.channel === channel) this.channel = undefined;
          resolve(false);
        }
      });
      if (sent) return;
    }
  }

  private async channelBy(deadline: number): Promise<ConfirmChannel> {
    for (;;) {
      if (this.closed) throw new MessagingError('closed', 'the broker is closed');
      if (this.channel) return this.channel;
      const remainingMs = deadline - performance.now();
      if (remainingMs <= 0) throw new MessagingError('unavailable', 'not connected to the broker');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, remainingMs);
        const waiters = this.channelWaiters;
        function wake(): void {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        }
        waiters.add(wake);
      });
    }
  }

  private async openChannel(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (err: unknown) => {
      this.closeErrors.set(channel, err);
      this.options.logger.warn({ err }, 'publish channel closed by the broker');
    });
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = undefined;
      // Closed alone (e.g. a publish to a missing exchange): open another on the same connection.
      if (this.model === model && !this.closed) {
        this.openChannel(model).catch((err: unknown) => {
          this.options.logger.debug({ err }, 'cannot reopen the publish channel');
        });
      }
    });
    if (this.model !== model || this.closed) {
      await channel.close().catch(() => undefined);
      return;
    }
    this.channel = channel;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (const wake of [...this.channelWaiters]) wake();
  }
}

// amqplib settles a confirm callback with this error for a basic.nack, and with another one
// ('channel closed') when the channel goes before the confirm arrives. The broker closes the
// channel when a publish names a missing exchange: that publish is refused (republishing cannot
// help), the others on the channel are merely unavailable.
function confirmError(err: unknown, closedBy: unknown, exchange: string): MessagingError {
  if (err instanceof Error && err.message === 'message nacked') {
    return new MessagingError('nacked', 'the broker nacked the message', { cause: err });
  }
  const refusal = closedBy instanceof Error ? closedBy : undefined;
  if (
    refusal &&
    (refusal as { code?: unknown }).code === 404 &&
    refusal.message.includes(`no exchange '${exchange}'`)
  ) {
    return new MessagingError('refused', `no exchange '${exchange}'`, {
      cause: refusal,
      replyCode: 404,
    });
  }
  return new MessagingError('unavailable', 'the channel closed before the confirm', {
    cause: refusal ?? err,
  });
}
