import {
  instanceVariable,
  namespaceVariable,
  notHealth,
  ns,
  rate,
  serverFaults,
} from './common.js';
import type { DashboardSpec } from './grafana.js';

const sel = `${ns},job=~"$job",instance=~"$instance"`;
const server = `${sel},${notHealth}`;

/** Latency, traffic, errors and saturation of one vpcd service (the `job` variable). */
export const goldenSignals: DashboardSpec = {
  uid: 'vpcd-golden-signals',
  title: 'vpcd / Golden signals',
  description:
    'Latency, traffic, errors and saturation of a vpcd service: its gRPC server and client, ' +
    'its MySQL and RabbitMQ use, its process; DHCP for hvaddr.',
  variables: [
    namespaceVariable,
    {
      kind: 'custom',
      name: 'job',
      label: 'Service',
      values: ['northd', 'southd', 'hvflowd', 'hvaddr'],
    },
    instanceVariable('$job'),
  ],
  rows: [
    {
      title: 'Traffic',
      panels: [
        {
          title: 'Calls served by method',
          description: 'gRPC calls handled per second, health checks and reflection left out.',
          unit: 'reqps',
          stacked: true,
          queries: [
            {
              expr: `sum by (grpc_service, grpc_method) (rate(grpc_server_handled_total{${server}}[${rate}]))`,
              legend: '{{grpc_service}}/{{grpc_method}}',
            },
          ],
        },
        {
          title: 'Calls made by method',
          description: 'gRPC calls this service made to others per second (client side).',
          unit: 'reqps',
          stacked: true,
          queries: [
            {
              expr: `sum by (grpc_service, grpc_method) (rate(grpc_client_handled_total{${sel}}[${rate}]))`,
              legend: '{{grpc_service}}/{{grpc_method}}',
            },
          ],
        },
        {
          title: 'Messages published and consumed',
          description: 'RabbitMQ publishes per exchange and deliveries handled per queue.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (exchange) (rate(messaging_published_total{${sel}}[${rate}]))`,
              legend: 'published to {{exchange}}',
            },
            {
              expr: `sum by (queue) (rate(messaging_consumed_total{${sel}}[${rate}]))`,
              legend: 'consumed from {{queue}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Errors',
      panels: [
        {
          title: 'Server-fault ratio',
          description:
            'Share of calls ending in Unknown, Internal, Unavailable or DataLoss: what ' +
            'NorthdRpcErrorRateHigh pages on (above 5%). Caller mistakes are not faults.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr:
                `sum(rate(grpc_server_handled_total{${server},${serverFaults}}[${rate}]))` +
                ` / sum(rate(grpc_server_handled_total{${server}}[${rate}]))`,
              legend: 'server faults',
            },
          ],
        },
        {
          title: 'Calls not OK by code',
          description: 'Every non-OK status served, by code and method.',
          unit: 'reqps',
          stacked: true,
          queries: [
            {
              expr: `sum by (grpc_code, grpc_method) (rate(grpc_server_handled_total{${server},grpc_code!="OK"}[${rate}]))`,
              legend: '{{grpc_code}} {{grpc_method}}',
            },
          ],
        },
        {
          title: 'Dependency errors',
          description:
            'Failed outgoing calls by code, MySQL statements by error kind, and publishes ' +
            'the broker did not confirm.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (grpc_code) (rate(grpc_client_handled_total{${sel},grpc_code!="OK"}[${rate}]))`,
              legend: 'gRPC {{grpc_code}}',
            },
            {
              expr: `sum by (outcome) (rate(db_queries_total{${sel},outcome!="ok"}[${rate}]))`,
              legend: 'MySQL {{outcome}}',
            },
            {
              expr: `sum(rate(messaging_nacked_total{${sel}}[${rate}]))`,
              legend: 'RabbitMQ not confirmed',
            },
          ],
        },
      ],
    },
    {
      title: 'Latency',
      panels: [
        {
          title: 'Call latency',
          description: 'Quantiles over every unary method served (health checks left out).',
          unit: 's',
          queries: ['0.5', '0.9', '0.99'].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (le) (rate(grpc_server_handling_seconds_bucket{${server},grpc_type="unary"}[${rate}])))`,
            legend: `p${Number(q) * 100}`,
          })),
        },
        {
          title: 'p99 by method',
          description: 'RpcLatencyHigh warns when a method stays above 500 ms.',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.99, sum by (grpc_service, grpc_method, le) (rate(grpc_server_handling_seconds_bucket{${server},grpc_type="unary"}[${rate}])))`,
              legend: '{{grpc_service}}/{{grpc_method}}',
            },
          ],
        },
        {
          title: 'Dependency latency (p99)',
          description:
            'Outgoing gRPC calls, MySQL statements by verb and RabbitMQ publish confirms.',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.99, sum by (grpc_method, le) (rate(grpc_client_handling_seconds_bucket{${sel}}[${rate}])))`,
              legend: 'gRPC {{grpc_method}}',
            },
            {
              expr: `histogram_quantile(0.99, sum by (verb, le) (rate(db_query_duration_seconds_bucket{${sel}}[${rate}])))`,
              legend: 'MySQL {{verb}}',
            },
            {
              expr: `histogram_quantile(0.99, sum by (le) (rate(messaging_publish_confirm_seconds_bucket{${sel}}[${rate}])))`,
              legend: 'RabbitMQ confirm',
            },
          ],
        },
      ],
    },
    {
      title: 'Saturation',
      panels: [
        {
          title: 'Event loop',
          description:
            'Busy share of the event loop; EventLoopSaturated warns above 90% (its lag is on ' +
            'the USE dashboard).',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: `nodejs_eventloop_utilization_ratio{${sel}}`,
              legend: 'utilization {{instance}}',
            },
          ],
        },
        {
          title: 'Pools in use',
          description:
            'In flight over capacity of every worker pool and queue consumer of the service ' +
            '(the `<name>_in_flight` / `<name>_capacity` pairs).',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr:
                `label_replace({__name__=~".+_in_flight",${sel}}, "pool", "$1", "__name__", "(.+)_in_flight")` +
                ` / ignoring(__name__) ` +
                `label_replace({__name__=~".+_capacity",${sel}}, "pool", "$1", "__name__", "(.+)_capacity")`,
              legend: '{{pool}} {{queue}} {{instance}}',
            },
            {
              expr: `db_pool_connections_in_use{${sel}} / db_pool_connections_capacity{${sel}}`,
              legend: 'MySQL pool {{instance}}',
            },
          ],
        },
        {
          title: 'Memory',
          description: 'Resident memory of each process.',
          unit: 'bytes',
          queries: [{ expr: `process_resident_memory_bytes{${sel}}`, legend: '{{instance}}' }],
        },
      ],
    },
    {
      title: 'DHCP (hvaddr)',
      panels: [
        {
          title: 'DHCP requests by type and result',
          description: 'Messages of bound clients handled per second.',
          unit: 'reqps',
          stacked: true,
          queries: [
            {
              expr: `sum by (type, result) (rate(hvaddr_requests_total{${ns},instance=~"$instance"}[${rate}]))`,
              legend: '{{type}} {{result}}',
            },
          ],
        },
        {
          title: 'Dropped before answering, by reason',
          description:
            'rate_limited is HvaddrAbusiveClient (a flooding guest); overloaded means the ' +
            'worker pool was full; unknown_client is DHCP from a MAC not bound on this host.',
          unit: 'pps',
          stacked: true,
          queries: [
            {
              expr: `sum by (reason) (rate(hvaddr_dropped_total{${ns},instance=~"$instance"}[${rate}]))`,
              legend: '{{reason}}',
            },
          ],
        },
        {
          title: 'Clients over the rate limit',
          description:
            'Tracked clients whose current request rate (EWMA) is above 5 and above 10 per ' +
            'second, from the hvaddr_client_request_rate snapshot histogram.',
          unit: 'short',
          queries: [
            {
              expr: `sum(hvaddr_client_request_rate_count{${ns},instance=~"$instance"}) - sum(hvaddr_client_request_rate_bucket{${ns},instance=~"$instance",le="5"})`,
              legend: 'above 5/s',
            },
            {
              expr: `sum(hvaddr_client_request_rate_count{${ns},instance=~"$instance"}) - sum(hvaddr_client_request_rate_bucket{${ns},instance=~"$instance",le="10"})`,
              legend: 'above 10/s',
            },
          ],
        },
      ],
    },
  ],
};
