import { namespaceVariable, ns, rate } from './common.js';
import type { DashboardSpec } from './grafana.js';

/**
 * RabbitMQ from its own Prometheus endpoint (rabbitmq_prometheus: aggregated `/metrics` and
 * per-queue `/metrics/detailed?family=queue_coarse_metrics&family=queue_consumer_count`), and
 * from vpcd's clients.
 */
export const rabbitmq: DashboardSpec = {
  uid: 'vpcd-rabbitmq',
  title: 'vpcd / RabbitMQ',
  description:
    "vpcd's queues (ready, unacknowledged, consumers, dead letters), broker throughput and " +
    "resources, and the clients' view (publishes, confirms, consumption, reconnects).",
  variables: [
    namespaceVariable,
    {
      kind: 'query',
      name: 'queue',
      label: 'Queue',
      query: `label_values(rabbitmq_detailed_queue_messages_ready{${ns}}, queue)`,
      multi: true,
    },
  ],
  rows: [
    {
      title: 'Queues',
      panels: [
        {
          title: 'Ready messages',
          description: 'Messages waiting for a consumer (RabbitQueueBacklog warns above 1000).',
          unit: 'short',
          queries: [
            {
              expr: `max by (queue) (rabbitmq_detailed_queue_messages_ready{${ns},queue=~"$queue"})`,
              legend: '{{queue}}',
            },
          ],
        },
        {
          title: 'Unacknowledged messages',
          description: "Delivered and being handled (bounded by the consumers' prefetch).",
          unit: 'short',
          queries: [
            {
              expr: `max by (queue) (rabbitmq_detailed_queue_messages_unacked{${ns},queue=~"$queue"})`,
              legend: '{{queue}}',
            },
          ],
        },
        {
          title: 'Consumers',
          description: 'Consumers per queue (RabbitNoConsumers pages at 0 on the work queues).',
          unit: 'short',
          queries: [
            {
              expr: `max by (queue) (rabbitmq_detailed_queue_consumers{${ns},queue=~"$queue"})`,
              legend: '{{queue}}',
            },
          ],
        },
        {
          title: 'Dead letters',
          description: 'Messages parked after too many deliveries or rejected as garbage.',
          unit: 'short',
          queries: [
            {
              expr: `max by (queue) (rabbitmq_detailed_queue_messages{${ns},queue=~".*[.]dlq"})`,
              legend: '{{queue}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Throughput',
      panels: [
        {
          title: 'Broker: received, routed, delivered',
          description: 'Messages per second through the whole broker.',
          unit: 'ops',
          queries: [
            {
              expr: `sum(rate(rabbitmq_global_messages_received_total{${ns}}[${rate}]))`,
              legend: 'received',
            },
            {
              expr: `sum(rate(rabbitmq_global_messages_routed_total{${ns}}[${rate}]))`,
              legend: 'routed',
            },
            {
              expr: `sum(rate(rabbitmq_global_messages_delivered_total{${ns}}[${rate}]))`,
              legend: 'delivered',
            },
            {
              expr: `sum(rate(rabbitmq_global_messages_confirmed_total{${ns}}[${rate}]))`,
              legend: 'confirmed',
            },
          ],
        },
        {
          title: 'Clients: published, confirmed, not confirmed',
          description: "vpcd's publishers, per client (the broker connection name).",
          unit: 'ops',
          queries: [
            {
              expr: `sum by (client) (rate(messaging_published_total{${ns}}[${rate}]))`,
              legend: 'published {{client}}',
            },
            {
              expr: `sum by (client) (rate(messaging_confirmed_total{${ns}}[${rate}]))`,
              legend: 'confirmed {{client}}',
            },
            {
              expr: `sum by (client) (rate(messaging_nacked_total{${ns}}[${rate}]))`,
              legend: 'not confirmed {{client}}',
            },
          ],
        },
        {
          title: 'Clients: consumed by result',
          description:
            'Deliveries acked, requeued, rejected (dead-lettered) or failed; redeliveries.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (queue, result) (rate(messaging_consumed_total{${ns}}[${rate}]))`,
              legend: '{{queue}} {{result}}',
            },
            {
              expr: `sum by (queue) (rate(messaging_redelivered_total{${ns}}[${rate}]))`,
              legend: '{{queue}} redelivered',
            },
          ],
        },
      ],
    },
    {
      title: 'Broker',
      panels: [
        {
          title: 'Nodes',
          description: 'Nodes reporting (a 3-node cluster keeps quorum queues with 2).',
          unit: 'short',
          kind: 'stat',
          queries: [{ expr: `count(rabbitmq_identity_info{${ns}})`, legend: 'nodes' }],
        },
        {
          title: 'Memory and disk headroom',
          description:
            'Memory used over the high watermark, and free disk over its limit: at the ' +
            'watermark the broker blocks publishers.',
          unit: 'percentunit',
          queries: [
            {
              expr: `rabbitmq_process_resident_memory_bytes{${ns}} / rabbitmq_resident_memory_limit_bytes{${ns}}`,
              legend: 'memory used {{instance}}',
            },
            {
              expr: `rabbitmq_disk_space_available_limit_bytes{${ns}} / rabbitmq_disk_space_available_bytes{${ns}}`,
              legend: 'disk limit / free {{instance}}',
            },
          ],
        },
        {
          title: 'Alarms, connections and reconnects',
          description:
            'Resource alarms in force, open connections and channels, and vpcd clients ' +
            'reconnecting.',
          unit: 'short',
          queries: [
            {
              expr:
                `sum(rabbitmq_alarms_memory_used_watermark{${ns}}) + ` +
                `sum(rabbitmq_alarms_free_disk_space_watermark{${ns}}) + ` +
                `sum(rabbitmq_alarms_file_descriptor_limit{${ns}})`,
              legend: 'alarms',
            },
            { expr: `sum(rabbitmq_connections{${ns}})`, legend: 'connections' },
            { expr: `sum(rabbitmq_channels{${ns}})`, legend: 'channels' },
            {
              expr: `sum(increase(messaging_reconnects_total{${ns}}[${rate}]))`,
              legend: 'client reconnects',
            },
          ],
        },
      ],
    },
  ],
};
