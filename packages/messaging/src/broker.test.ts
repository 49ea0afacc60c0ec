import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind, trace } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { createBroker, type Broker } from './broker.js';
import type { Delivery } from './delivery.js';
import { deleteAll, eventually, memoryTracing, metricValue, silentLogger } from './test-support.js';
import { testBrokerUrl, uniqueName } from './testing/index.js';

describe('publish and consume', () => {
  const { provider, exporter } = memoryTracing();
  const registry = new Registry();
  const exchange = uniqueName('round-trip');
  const queue = uniqueName('round-trip');
  let url: string;
  let broker: Broker;

  before(async () => {
    url = await testBrokerUrl();
    broker = createBroker({
      url,
      logger: silentLogger(),
      registry,
      tracerProvider: provider,
      name: 'round-trip',
    });
    await broker.start({
      exchanges: [{ name: exchange, type: 'direct' }],
      queues: [{ name: queue, kind: 'quorum', bindings: [{ exchange, routingKey: 'chassis' }] }],
    });
  });

  after(async () => {
    await broker.close();
    await deleteAll(url, { queues: [queue], exchanges: [exchange] });
    await provider.shutdown();
  });

  it('delivers a confirmed message with its headers, id and routing key', async () => {
    const received: Delivery[] = [];
    const consumer = await broker.consume(queue, (delivery) => {
      received.push(delivery);
      return Promise.resolve('ack');
    });
    await broker.publish(exchange, 'chassis', Buffer.from('state'), {
      headers: { chassis_id: 'ch-1', epoch: 7, generation: 42 },
      messageId: 'm-1',
    });
    await eventually(() => received.length === 1, 'one delivery');
    await consumer.cancel();

    const [delivery] = received;
    assert.equal(delivery?.body.toString(), 'state');
    assert.equal(delivery?.messageId, 'm-1');
    assert.equal(delivery?.routingKey, 'chassis');
    assert.equal(delivery?.redelivered, false);
    assert.equal(delivery?.deliveryCount, 0);
    assert.equal(delivery?.headers.chassis_id, 'ch-1');
    assert.equal(delivery?.headers.epoch, 7);
    assert.equal(delivery?.headers.generation, 42);
    assert.match(String(delivery?.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    assert.ok(broker.connected);
  });

  it('runs the handler in a consumer span that is the child of the producer span', async () => {
    exporter.reset();
    const tracer = provider.getTracer('test');
    let handlerTraceId: string | undefined;
    const consumer = await broker.consume(queue, () => {
      handlerTraceId = trace.getActiveSpan()?.spanContext().traceId;
      return Promise.resolve('ack');
    });
    await tracer.startActiveSpan('converge', async (root) => {
      await broker.publish(exchange, 'chassis', Buffer.from('traced'));
      root.end();
    });
    await eventually(
      () => exporter.getFinishedSpans().some((span) => span.kind === SpanKind.CONSUMER),
      'a consumer span',
    );
    await consumer.cancel();

    const spans = exporter.getFinishedSpans();
    const producer = spans.find((span) => span.kind === SpanKind.PRODUCER);
    const consumerSpan = spans.find((span) => span.kind === SpanKind.CONSUMER);
    const root = spans.find((span) => span.name === 'converge');
    assert.ok(producer && consumerSpan && root);
    assert.equal(producer.name, `publish ${exchange}`);
    assert.equal(producer.parentSpanContext?.spanId, root.spanContext().spanId);
    assert.equal(consumerSpan.name, `process ${queue}`);
    assert.equal(consumerSpan.spanContext().traceId, root.spanContext().traceId);
    assert.equal(consumerSpan.parentSpanContext?.spanId, producer.spanContext().spanId);
    assert.equal(handlerTraceId, root.spanContext().traceId);
  });

  it('counts published, confirmed and consumed messages', async () => {
    const labels = { client: 'round-trip', exchange };
    const publishedBefore = (await metricValue(registry, 'messaging_published_total', labels)) ?? 0;
    const consumedBefore =
      (await metricValue(registry, 'messaging_consumed_total', { queue, result: 'ack' })) ?? 0;
    let handled = 0;
    const consumer = await broker.consume(queue, () => {
      handled += 1;
      return Promise.resolve('ack');
    });
    await Promise.all(
      [1, 2, 3].map((n) => broker.publish(exchange, 'chassis', Buffer.from(String(n)))),
    );
    await eventually(() => handled === 3, 'three deliveries');
    await consumer.cancel();

    assert.equal(
      await metricValue(registry, 'messaging_published_total', labels),
      publishedBefore + 3,
    );
    assert.equal(
      await metricValue(registry, 'messaging_confirmed_total', labels),
      publishedBefore + 3,
    );
    assert.equal(
      await metricValue(registry, 'messaging_consumed_total', { queue, result: 'ack' }),
      consumedBefore + 3,
    );
    assert.equal(await metricValue(registry, 'messaging_publish_in_flight'), 0);
    assert.equal(await metricValue(registry, 'messaging_connected'), 1);
    assert.equal(await metricValue(registry, 'messaging_consume_in_flight', { queue }), 0);
    assert.ok(
      ((await metricValue(registry, 'messaging_publish_confirm_seconds_count', labels)) ?? 0) >= 3,
    );
  });
});
