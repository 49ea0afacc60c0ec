import { readFile } from 'node:fs/promises';
import { connect, type ChannelModel } from 'amqplib';
import { fullJitterDelayMs, sleep } from '@vpcd/backoff';
import { QueueConsumer, type ConsumeOptions, type Consumer } from './consumer.js';
import type { Handler } from './delivery.js';
import { MessagingError } from './messaging-error.js';
import { createMetrics, type MessagingMetrics } from './metrics.js';
import { compileOptions, type BrokerOptions, type CompiledBrokerOptions } from './options.js';
import { Publisher, type PublishOptions } from './publisher.js';
import { declareTopology, validateTopology, type Topology } from './topology.js';

/** A connection to RabbitMQ that publishes with confirms and consumes, across reconnects. */
export interface Broker {
  /**
   * Connects, retrying with backoff until it succeeds or close() is called (then it rejects with
   * kind `closed`), and declares `topology`. Rejects with kind `refused` when the broker refuses
   * a declaration (e.g. a queue exists with other arguments). Call it once.
   */
  start(topology: Topology): Promise<void>;
  /**
   * Resolves when the broker confirms the message. Rejects with kind `nacked`, `unavailable` (no
   * connection within publishTimeoutMs, or it dropped before the confirm), `timeout`, `closed`,
   * or `refused` (no such exchange); never drops silently: the caller decides to republish
   * (isRetryable). A message routed to no queue is confirmed and dropped by the broker: declare
   * the queues it is for in the topology. Carries the active trace context in
   * the `traceparent` and `tracestate` headers, under a PRODUCER span.
   */
  publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options?: PublishOptions,
  ): Promise<void>;
  /**
   * Subscribes `handler` to `queue` with manual acks; resumes after reconnects. The handler runs
   * inside a CONSUMER span, the child of the publisher's; at most `prefetch` run at once. A
   * throwing handler counts as 'requeue'; 'reject' dead-letters. With signing keys, a delivery
   * without a good signature (or not of `options.type`) is dead-lettered before the handler.
   * Rejects with kind `refused` when the broker refuses (no such queue; with `awaitQueue` it
   * retries instead); while disconnected it resolves and consumes on connect.
   */
  consume(queue: string, handler: Handler, options?: ConsumeOptions): Promise<Consumer>;
  /**
   * Cancels the consumers, waits for running handlers (their acks go out) and for publishes
   * awaiting a confirm, then closes the channels and the connection. No reconnect after.
   */
  close(): Promise<void>;
  /** Connected, with the topology declared. */
  readonly connected: boolean;
}

/** Creates a broker; nothing connects before start(). Metrics are created on the registry now. */
export function createBroker(options: BrokerOptions): Broker {
  return new AmqpBroker(compileOptions(options));
}

class AmqpBroker implements Broker {
  private readonly metrics: MessagingMetrics;
  private readonly publisher: Publisher;
  private readonly consumers = new Set<QueueConsumer>();
  private readonly closing = new AbortController();
  private topology: Topology | undefined;
  private model: ChannelModel | undefined;
  private reconnecting: Promise<void> = Promise.resolve();
  private closed: Promise<void> | undefined;
  private readonly url: string;

  constructor(private readonly options: CompiledBrokerOptions) {
    this.url = withHeartbeat(options.url, options.heartbeatSeconds);
    this.metrics = createMetrics(options.registry, options.name);
    this.publisher = new Publisher(options, this.metrics);
  }

  get connected(): boolean {
    return this.model !== undefined;
  }

  async start(topology: Topology): Promise<void> {
    if (this.topology) throw new Error('start() was already called');
    this.topology = validateTopology(topology);
    await this.connectWithRetry(true);
  }

  publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options?: PublishOptions,
  ): Promise<void> {
    return this.publisher.publish(exchange, routingKey, body, options);
  }

  async consume(queue: string, handler: Handler, options: ConsumeOptions = {}): Promise<Consumer> {
    const prefetch = options.prefetch ?? 16;
    if (!Number.isInteger(prefetch) || prefetch < 1 || prefetch > 65535) {
      throw new TypeError('prefetch must be an integer in 1..65535');
    }
    if (this.closing.signal.aborted) throw new MessagingError('closed', 'the broker is closed');
    const labels = { client: this.options.name, queue };
    const consumer = new QueueConsumer(
      queue,
      handler,
      prefetch,
      options.type,
      this.options,
      this.metrics,
      () => {
        if (this.consumers.delete(consumer)) this.metrics.consumeCapacity.dec(labels, prefetch);
      },
    );
    this.consumers.add(consumer);
    this.metrics.consumeCapacity.inc(labels, prefetch);
    this.metrics.consumeInFlight.inc(labels, 0);
    if (this.model) {
      try {
        await (options.awaitQueue ? consumer.resume(this.model) : consumer.start(this.model));
      } catch (err) {
        await consumer.cancel();
        throw MessagingError.from(err);
      }
    }
    return consumer;
  }

  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([...this.consumers].map((consumer) => consumer.cancel()));
    await this.publisher.close();
    await this.reconnecting;
    const model = this.model;
    this.model = undefined;
    this.metrics.connected.set({ client: this.options.name }, 0);
    await model?.close().catch(() => undefined);
    this.options.logger.info('messaging closed');
  }

  // Connects and sets up, retrying with backoff until it succeeds or close() is called. Every
  // failure is worth retrying (the broker is down, restarting, or still cleaning up an exclusive
  // queue of the lost connection) except a refused declaration on the first start, which only a
  // change of configuration can fix.
  private async connectWithRetry(first: boolean): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      if (this.closing.signal.aborted) throw new MessagingError('closed', 'the broker is closed');
      try {
        await this.connectOnce();
        return;
      } catch (err) {
        const error = MessagingError.from(err);
        if (this.closing.signal.aborted) throw new MessagingError('closed', 'the broker is closed');
        if (first && error.kind === 'refused') throw error;
        const delayMs = fullJitterDelayMs(attempt, this.options.reconnect);
        const level = error.kind === 'refused' ? 'error' : 'warn';
        this.options.logger[level]({ err: error, attempt, delayMs }, 'cannot connect; retrying');
        await sleep(delayMs, this.closing.signal);
      }
    }
  }

  private async connectOnce(): Promise<void> {
    const model = await connect(this.url, {
      timeout: this.options.connectTimeoutMs,
      // Without it Nagle's algorithm holds small frames (a publish, its confirm) for ~40 ms.
      noDelay: true,
      clientProperties: { connection_name: this.options.name },
      ...(await tlsSocketOptions(this.options.tls)),
    });
    model.on('error', (err: unknown) => {
      this.options.logger.warn({ err }, 'connection error');
    });
    model.on('blocked', (reason: string) => {
      this.options.logger.warn({ reason }, 'the broker blocked publishing');
    });
    model.on('unblocked', () => this.options.logger.info('the broker unblocked publishing'));
    let lost = false;
    model.on('close', () => {
      lost = true;
      this.onClose(model);
    });
    try {
      await declareTopology(model, this.topology ?? {});
      await this.publisher.attach(model);
      for (const consumer of this.consumers) await consumer.resume(model);
      if (this.closing.signal.aborted) throw new MessagingError('closed', 'the broker is closed');
      if (lost) throw new MessagingError('unavailable', 'the connection closed during set-up');
    } catch (err) {
      this.publisher.detach();
      for (const consumer of this.consumers) consumer.detach();
      await model.close().catch(() => undefined);
      throw err;
    }
    this.model = model;
    this.metrics.connected.set({ client: this.options.name }, 1);
    this.options.logger.info('connected to the broker');
  }

  private onClose(model: ChannelModel): void {
    if (this.model !== model) return;
    this.model = undefined;
    this.metrics.connected.set({ client: this.options.name }, 0);
    this.publisher.detach();
    for (const consumer of this.consumers) consumer.detach();
    if (this.closing.signal.aborted) return;
    this.options.logger.warn('lost the connection to the broker; reconnecting');
    this.reconnecting = this.connectWithRetry(false).then(
      () => this.metrics.reconnects.inc({ client: this.options.name }),
      () => undefined,
    );
  }
}

// The PEM files of `tls`, read now so that a renewed certificate serves the next connection.
async function tlsSocketOptions(
  tls: CompiledBrokerOptions['tls'],
): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer }> {
  if (!tls) return {};
  const read = async (path: string | undefined) =>
    path === undefined ? undefined : await readFile(path);
  const [ca, cert, key] = await Promise.all([
    read(tls.caFile),
    read(tls.certFile),
    read(tls.keyFile),
  ]);
  return {
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
  };
}

// The URL's own `heartbeat` parameter, when it has one, wins over the option.
function withHeartbeat(url: string, heartbeatSeconds: number): string {
  const parsed = new URL(url);
  if (!parsed.searchParams.has('heartbeat')) {
    parsed.searchParams.set('heartbeat', String(heartbeatSeconds));
  }
  return parsed.toString();
}
