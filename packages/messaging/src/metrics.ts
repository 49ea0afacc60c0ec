import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Results a consumer's delivery ends with: the handler's answer, or `error` when it threw. */
export type ConsumeResult = 'ack' | 'requeue' | 'reject' | 'error';

export interface MessagingMetrics {
  readonly published: Counter<'client' | 'exchange'>;
  readonly confirmed: Counter<'client' | 'exchange'>;
  readonly nacked: Counter<'client' | 'exchange'>;
  readonly consumed: Counter<'client' | 'queue' | 'result'>;
  readonly rejected: Counter<'client' | 'queue' | 'reason'>;
  readonly redelivered: Counter<'client' | 'queue'>;
  readonly reconnects: Counter<'client'>;
  readonly connected: Gauge<'client'>;
  readonly publishInFlight: Gauge<'client'>;
  readonly consumeInFlight: Gauge<'client' | 'queue'>;
  readonly consumeCapacity: Gauge<'client' | 'queue'>;
  readonly publishConfirmSeconds: Histogram<'client' | 'exchange'>;
}

/**
 * Creates the messaging metrics on `registry`. Several brokers may share a registry (they are told
 * apart by the `client` label): a metric that already exists there is reused.
 */
export function createMetrics(registry: Registry, client: string): MessagingMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> =>
    (registry.getSingleMetric(name) as Gauge<L> | undefined) ??
    new Gauge({ name, help, labelNames, registers: [registry] });
  const confirmName = 'messaging_publish_confirm_seconds';
  const metrics: MessagingMetrics = {
    published: counter('messaging_published_total', 'Messages handed to the broker.', [
      'client',
      'exchange',
    ]),
    confirmed: counter('messaging_confirmed_total', 'Published messages the broker confirmed.', [
      'client',
      'exchange',
    ]),
    nacked: counter(
      'messaging_nacked_total',
      'Publishes that failed: nacked, timed out, or the connection dropped before the confirm.',
      ['client', 'exchange'],
    ),
    consumed: counter('messaging_consumed_total', 'Deliveries handled, by result.', [
      'client',
      'queue',
      'result',
    ]),
    rejected: counter(
      'messaging_messages_rejected_total',
      'Deliveries refused before their handler, dead-lettered: unsigned, malformed, unknown_key, bad_signature, wrong_type.',
      ['client', 'queue', 'reason'],
    ),
    redelivered: counter('messaging_redelivered_total', 'Deliveries flagged as redelivered.', [
      'client',
      'queue',
    ]),
    reconnects: counter('messaging_reconnects_total', 'Connections re-established after a loss.', [
      'client',
    ]),
    connected: gauge('messaging_connected', '1 while connected and set up, else 0.', ['client']),
    publishInFlight: gauge('messaging_publish_in_flight', 'Publishes awaiting their confirm.', [
      'client',
    ]),
    consumeInFlight: gauge('messaging_consume_in_flight', 'Handlers running.', ['client', 'queue']),
    consumeCapacity: gauge(
      'messaging_consume_capacity',
      "Handlers that may run at once (the sum of the consumers' prefetch).",
      ['client', 'queue'],
    ),
    publishConfirmSeconds:
      (registry.getSingleMetric(confirmName) as Histogram<'client' | 'exchange'> | undefined) ??
      new Histogram({
        name: confirmName,
        help: "Time from publish to the broker's confirm.",
        labelNames: ['client', 'exchange'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers: [registry],
      }),
  };
  metrics.reconnects.inc({ client }, 0);
  metrics.connected.set({ client }, 0);
  metrics.publishInFlight.set({ client }, 0);
  return metrics;
}
