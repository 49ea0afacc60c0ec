import { namespaceVariable, ns, rate } from './common.js';
import type { DashboardSpec } from './grafana.js';

const sel = `${ns},job=~"$mysql_job"`;

/** MySQL/MariaDB from mysqld_exporter, and from vpcd's own database clients. */
export const mysql: DashboardSpec = {
  uid: 'vpcd-mysql',
  title: 'vpcd / MySQL',
  description:
    'Replication (lag, threads), connections, statements and InnoDB from mysqld_exporter; ' +
    "query latency and errors as vpcd's clients see them.",
  variables: [
    namespaceVariable,
    {
      kind: 'query',
      name: 'mysql_job',
      label: 'Exporter job',
      query: `label_values(mysql_up{${ns}}, job)`,
      multi: true,
    },
  ],
  rows: [
    {
      title: 'Replication',
      panels: [
        {
          title: 'Replica lag',
          description: 'Seconds behind the primary (MysqlReplicasDelayed warns above 30 s).',
          unit: 's',
          queries: [
            {
              expr: `max by (instance) (mysql_slave_status_seconds_behind_master{${sel}})`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Replication threads',
          description: '1 while both the IO and the SQL thread run (MysqlReplicationStopped).',
          unit: 'short',
          min: 0,
          max: 1,
          queries: [
            {
              expr: `min by (instance) (mysql_slave_status_slave_io_running{${sel}} * mysql_slave_status_slave_sql_running{${sel}})`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Servers up',
          description: 'Servers the exporter reaches.',
          unit: 'short',
          kind: 'stat',
          queries: [{ expr: `sum(mysql_up{${sel}})`, legend: 'up' }],
        },
      ],
    },
    {
      title: 'Load',
      panels: [
        {
          title: 'Statements by command',
          description: 'Statements executed per second on each server.',
          unit: 'ops',
          stacked: true,
          queries: [
            {
              expr: `sum by (command) (rate(mysql_global_status_commands_total{${sel},command=~"select|insert|update|delete|begin|commit|rollback"}[${rate}]))`,
              legend: '{{command}}',
            },
          ],
        },
        {
          title: 'Connections',
          description: 'Connected and running threads against max_connections.',
          unit: 'short',
          queries: [
            {
              expr: `mysql_global_status_threads_connected{${sel}}`,
              legend: 'connected {{instance}}',
            },
            {
              expr: `mysql_global_status_threads_running{${sel}}`,
              legend: 'running {{instance}}',
            },
            {
              expr: `mysql_global_variables_max_connections{${sel}}`,
              legend: 'max {{instance}}',
            },
          ],
        },
        {
          title: 'Slow queries and lock waits',
          description: 'Statements over long_query_time, InnoDB row-lock waits and deadlocks.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (instance) (rate(mysql_global_status_slow_queries{${sel}}[${rate}]))`,
              legend: 'slow {{instance}}',
            },
            {
              expr: `sum by (instance) (rate(mysql_global_status_innodb_row_lock_waits{${sel}}[${rate}]))`,
              legend: 'row-lock waits {{instance}}',
            },
            {
              expr: `sum by (instance) (rate(mysql_global_status_innodb_deadlocks{${sel}}[${rate}]))`,
              legend: 'deadlocks {{instance}}',
            },
          ],
        },
      ],
    },
    {
      title: 'InnoDB',
      panels: [
        {
          title: 'Buffer pool miss ratio',
          description: 'Reads that went to disk over logical reads.',
          unit: 'percentunit',
          queries: [
            {
              expr: `rate(mysql_global_status_innodb_buffer_pool_reads{${sel}}[${rate}]) / rate(mysql_global_status_innodb_buffer_pool_read_requests{${sel}}[${rate}])`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Buffer pool size',
          description: 'innodb_buffer_pool_size of each server.',
          unit: 'bytes',
          queries: [
            {
              expr: `mysql_global_variables_innodb_buffer_pool_size{${sel}}`,
              legend: '{{instance}}',
            },
          ],
        },
        {
          title: 'Data written',
          description: 'InnoDB bytes written per second.',
          unit: 'Bps',
          queries: [
            {
              expr: `rate(mysql_global_status_innodb_data_written{${sel}}[${rate}])`,
              legend: '{{instance}}',
            },
          ],
        },
      ],
    },
    {
      title: "vpcd's clients",
      panels: [
        {
          title: 'Query latency by verb (p99)',
          description: 'As northd sees it, network and pool wait included.',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.99, sum by (verb, le) (rate(db_query_duration_seconds_bucket{${ns}}[${rate}])))`,
              legend: '{{verb}}',
            },
          ],
        },
        {
          title: 'Statements by outcome',
          description: 'ok, or the error kind (unavailable, deadlock, timeout, duplicate...).',
          unit: 'ops',
          stacked: true,
          queries: [
            {
              expr: `sum by (outcome) (rate(db_queries_total{${ns}}[${rate}]))`,
              legend: '{{outcome}}',
            },
          ],
        },
        {
          title: 'Transactions by outcome',
          description: 'Committed, rolled back, and retried after a deadlock or lock wait timeout.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (outcome) (rate(db_transactions_total{${ns}}[${rate}]))`,
              legend: '{{outcome}}',
            },
          ],
        },
      ],
    },
  ],
};
