import { instanceVariable, namespaceVariable, ns, rate } from './common.js';
import type { DashboardSpec } from './grafana.js';

const sel = `${ns},job=~"$job",instance=~"$instance"`;

/** Utilization, saturation and errors of every resource a vpcd process has. */
export const use: DashboardSpec = {
  uid: 'vpcd-use',
  title: 'vpcd / USE',
  description:
    'Utilization, saturation and errors per resource: event loops, CPU, memory, worker pools, ' +
    'queues and connection pools of every vpcd process.',
  variables: [
    namespaceVariable,
    {
      kind: 'custom',
      name: 'job',
      label: 'Service',
      values: ['northd', 'southd', 'hvflowd', 'hvaddr'],
      multi: true,
    },
    instanceVariable('$job'),
  ],
  rows: [
    {
      title: 'Event loop',
      panels: [
        {
          title: 'Event-loop utilization',
          description: 'Busy share of the loop between scrapes (0..1): the process utilization.',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [
            {
              expr: `nodejs_eventloop_utilization_ratio{${sel}}`,
              legend: '{{job}} {{instance}}',
            },
          ],
        },
        {
          title: 'Event-loop lag (p99)',
          description: 'How late callbacks ran: the saturation of the loop.',
          unit: 's',
          queries: [
            {
              expr: `nodejs_eventloop_lag_p99_seconds{${sel}}`,
              legend: '{{job}} {{instance}}',
            },
          ],
        },
        {
          title: 'Garbage collection',
          description: 'Seconds per second spent in GC, by kind.',
          unit: 'percentunit',
          queries: [
            {
              expr: `sum by (job, instance, kind) (rate(nodejs_gc_duration_seconds_sum{${sel}}[${rate}]))`,
              legend: '{{job}} {{instance}} {{kind}}',
            },
          ],
        },
      ],
    },
    {
      title: 'CPU and memory',
      panels: [
        {
          title: 'CPU',
          description: 'Cores used by each process.',
          unit: 'short',
          queries: [
            {
              expr: `rate(process_cpu_seconds_total{${sel}}[${rate}])`,
              legend: '{{job}} {{instance}}',
            },
          ],
        },
        {
          title: 'Resident memory',
          description: 'Memory of each process (compare with the pod limit).',
          unit: 'bytes',
          queries: [
            {
              expr: `process_resident_memory_bytes{${sel}}`,
              legend: '{{job}} {{instance}}',
            },
          ],
        },
        {
          title: 'Heap used',
          description: 'V8 heap used over heap size.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: `nodejs_heap_size_used_bytes{${sel}} / nodejs_heap_size_total_bytes{${sel}}`,
              legend: '{{job}} {{instance}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Worker pools',
      panels: [
        {
          title: 'southd workers',
          description:
            'Applies running against SOUTHD_WORKERS, and states waiting for a worker (queue ' +
            'depth: the saturation signal).',
          unit: 'short',
          queries: [
            {
              expr: `sum by (instance) (southd_workers_in_flight{${sel}})`,
              legend: 'in flight {{instance}}',
            },
            {
              expr: `sum by (instance) (southd_workers_capacity{${sel}})`,
              legend: 'capacity {{instance}}',
            },
            {
              expr: `sum by (instance) (southd_workers_queue_depth{${sel}})`,
              legend: 'waiting {{instance}}',
            },
          ],
        },
        {
          title: 'hvflowd applies and syncs',
          description:
            'Applies waiting or running against the chassis hosted; syncs against their limit.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (instance) (hvflowd_apply_in_flight{${sel}})`,
              legend: 'applies {{instance}}',
            },
            {
              expr: `sum by (instance) (hvflowd_apply_capacity{${sel}})`,
              legend: 'apply capacity {{instance}}',
            },
            {
              expr: `sum by (instance) (hvflowd_sync_in_flight{${sel}})`,
              legend: 'syncs {{instance}}',
            },
            {
              expr: `sum by (instance) (hvflowd_sync_capacity{${sel}})`,
              legend: 'sync capacity {{instance}}',
            },
          ],
        },
        {
          title: 'hvaddr workers',
          description: 'DHCP messages being handled against the pool size (WORKERS).',
          unit: 'short',
          queries: [
            {
              expr: `sum by (instance) (hvaddr_workers_in_flight{${sel}})`,
              legend: 'in flight {{instance}}',
            },
            {
              expr: `sum by (instance) (hvaddr_workers_capacity{${sel}})`,
              legend: 'capacity {{instance}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Queues and connection pools',
      panels: [
        {
          title: 'RabbitMQ consumers',
          description: 'Deliveries being handled against the prefetch of each queue consumed.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (job, queue) (messaging_consume_in_flight{${sel}})`,
              legend: 'in flight {{job}} {{queue}}',
            },
            {
              expr: `sum by (job, queue) (messaging_consume_capacity{${sel}})`,
              legend: 'capacity {{job}} {{queue}}',
            },
            {
              expr: `sum by (job) (messaging_publish_in_flight{${sel}})`,
              legend: 'awaiting confirm {{job}}',
            },
          ],
        },
        {
          title: 'MySQL connection pool',
          description: 'Connections in use against the pool limit, and callers waiting for one.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (instance) (db_pool_connections_in_use{${sel}})`,
              legend: 'in use {{instance}}',
            },
            {
              expr: `sum by (instance) (db_pool_connections_capacity{${sel}})`,
              legend: 'capacity {{instance}}',
            },
            { expr: `sum by (instance) (db_pool_waiting{${sel}})`, legend: 'waiting {{instance}}' },
          ],
        },
        {
          title: 'Converge and resync work in flight, hvaddr clients',
          description:
            'Chassis with converge work published and not acknowledged (northd); ' +
            'RegisterChassis and SyncInitialChassis calls running against ' +
            'RESYNC_MAX_IN_FLIGHT (northd); DHCP clients tracked by the rate limiter against ' +
            'MAX_CLIENTS (hvaddr).',
          unit: 'short',
          queries: [
            {
              expr: `sum by (instance) (northd_converge_in_flight_chassis{${sel}})`,
              legend: 'in flight {{instance}}',
            },
            {
              expr: `sum by (instance) (northd_resync_in_flight{${sel}})`,
              legend: 'resync in flight {{instance}}',
            },
            {
              expr: `sum by (instance) (northd_resync_capacity{${sel}})`,
              legend: 'resync capacity {{instance}}',
            },
            {
              expr: `sum by (instance) (hvaddr_clients_tracked{${sel}})`,
              legend: 'DHCP clients {{instance}}',
            },
            {
              expr: `sum by (instance) (hvaddr_clients_capacity{${sel}})`,
              legend: 'DHCP client capacity {{instance}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Errors',
      panels: [
        {
          title: 'Connection errors',
          description:
            'RabbitMQ reconnects and unconfirmed publishes; MySQL statements that failed.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (job) (rate(messaging_reconnects_total{${sel}}[${rate}]))`,
              legend: 'RabbitMQ reconnects {{job}}',
            },
            {
              expr: `sum by (job) (rate(messaging_nacked_total{${sel}}[${rate}]))`,
              legend: 'RabbitMQ not confirmed {{job}}',
            },
            {
              expr: `sum by (job, outcome) (rate(db_queries_total{${sel},outcome!="ok"}[${rate}]))`,
              legend: 'MySQL {{outcome}} {{job}}',
            },
          ],
        },
        {
          title: 'Overload drops',
          description:
            'Work refused because a pool was full; chassis resync calls northd refused with ' +
            'a pushback (rate: no token; in_flight: every slot taken).',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (instance, reason) (rate(northd_resync_throttled_total{${sel}}[${rate}]))`,
              legend: 'northd resync {{reason}} {{instance}}',
            },
            {
              expr: `sum by (instance) (rate(hvaddr_dropped_total{${sel},reason="overloaded"}[${rate}]))`,
              legend: 'hvaddr {{instance}}',
            },
            {
              expr: `sum by (instance) (rate(hvaddr_send_errors_total{${sel}}[${rate}]))`,
              legend: 'hvaddr send errors {{instance}}',
            },
          ],
        },
        {
          title: 'Connected to RabbitMQ',
          description: '1 while connected with the topology declared.',
          unit: 'short',
          min: 0,
          max: 1,
          queries: [{ expr: `messaging_connected{${sel}}`, legend: '{{job}} {{instance}}' }],
        },
      ],
    },
  ],
};
