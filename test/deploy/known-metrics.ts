/**
 * Metric families the alerts and dashboards may use. vpcd's own are checked against the code
 * that registers them (metric-names.test.ts); the others are the exporters' documented names.
 */
export const vpcdFamilies: readonly string[] = [
  // packages/rpc (go-grpc-prometheus names), server and client side
  ...['server', 'client'].flatMap((side) =>
    [
      'started_total',
      'handled_total',
      'msg_received_total',
      'msg_sent_total',
      'handling_seconds',
    ].map((m) => `grpc_${side}_${m}`),
  ),
  // packages/db
  'db_queries_total',
  'db_query_duration_seconds',
  'db_transactions_total',
  'db_pool_connections_in_use',
  'db_pool_connections_capacity',
  'db_pool_connections_open',
  'db_pool_waiting',
  // packages/messaging
  'messaging_published_total',
  'messaging_confirmed_total',
  'messaging_nacked_total',
  'messaging_publish_confirm_seconds',
  'messaging_publish_in_flight',
  'messaging_consumed_total',
  'messaging_redelivered_total',
  'messaging_consume_in_flight',
  'messaging_consume_capacity',
  'messaging_reconnects_total',
  'messaging_connected',
  // services/northd
  'northd_attempted_converge_chassis',
  'northd_failed_converge_chassis',
  'northd_converge_duration_seconds',
  'northd_chassis_converge_lag_seconds',
  'northd_converge_acks_total',
  'northd_converge_in_flight_chassis',
  'northd_change_hints_total',
  'northd_converge_refused_total',
  'northd_converge_reconciles_total',
  'northd_converge_audits_total',
  'northd_converge_queue_depth',
  'northd_converge_queue_adds_total',
  'northd_converge_queue_retries_total',
  'northd_converge_queue_latency_seconds',
  'northd_converge_queue_work_duration_seconds',
  'northd_owned_chassis',
  'northd_live_members',
  'northd_lease_renewals_total',
  'northd_lease_claims_total',
  'northd_lease_releases_total',
  'northd_resync_in_flight',
  'northd_resync_capacity',
  'northd_resync_throttled_total',
  // services/southd (KeyedPool named southd_workers)
  'southd_deliveries_total',
  'southd_dead_lettered_total',
  'southd_unreachable_addresses',
  'southd_retries_waiting',
  'southd_workers_in_flight',
  'southd_workers_capacity',
  'southd_workers_queue_depth',
  // services/hvflowd
  'hvflowd_applied_generation',
  'hvflowd_apply_duration_seconds',
  'hvflowd_flows_applied_total',
  'hvflowd_fenced_total',
  'hvflowd_apply_total',
  'hvflowd_heartbeats_total',
  'hvflowd_bridge_audits_total',
  'hvflowd_flows_repaired_total',
  'hvflowd_ports_renumbered_total',
  'hvflowd_apply_in_flight',
  'hvflowd_apply_capacity',
  'hvflowd_sync_in_flight',
  'hvflowd_sync_capacity',
  'openvswitch_up',
  'openvswitch_flows',
  ...[
    'rx_packets',
    'tx_packets',
    'rx_bytes',
    'tx_bytes',
    'rx_dropped',
    'tx_dropped',
    'rx_errors',
    'tx_errors',
  ].map((c) => `openvswitch_interface_${c}`),
  ...['hit', 'missed', 'lost'].map((k) => `openvswitch_datapath_lookups_${k}`),
  // services/hvaddr
  'hvaddr_requests_total',
  'hvaddr_dropped_total',
  'hvaddr_rate_limited_total',
  'hvaddr_send_errors_total',
  'hvaddr_client_request_rate',
  'hvaddr_clients_tracked',
  'hvaddr_clients_capacity',
  'hvaddr_workers_in_flight',
  'hvaddr_workers_capacity',
  // packages/observability: prom-client's default metrics and the utilization gauge
  'nodejs_eventloop_utilization_ratio',
  'nodejs_eventloop_lag_seconds',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_gc_duration_seconds',
  'nodejs_heap_size_used_bytes',
  'nodejs_heap_size_total_bytes',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
];

/** Families whose names the code builds from parts; checked by their parts. */
export const templatedFamilies: ReadonlyArray<{
  readonly pattern: RegExp;
  readonly parts: readonly string[];
}> = [
  { pattern: /^grpc_(server|client)_/, parts: ['grpc_${side}_'] },
  {
    pattern: /^(hvflowd_apply|hvflowd_sync|hvaddr_workers|northd_resync)_(in_flight|capacity)$/,
    parts: ['_in_flight', '_capacity'],
  },
  { pattern: /^southd_workers_/, parts: ['southd_workers', '_queue_depth'] },
  { pattern: /^openvswitch_interface_/, parts: ['openvswitch_interface_${counter}'] },
  { pattern: /^openvswitch_datapath_lookups_/, parts: ['openvswitch_datapath_lookups_${kind}'] },
];

/** Scraped from other programs: Prometheus itself, RabbitMQ's plugin, mysqld_exporter. */
export const exporterFamilies: readonly string[] = [
  'up',
  // rabbitmq_prometheus: /metrics (aggregated) and /metrics/detailed (per queue)
  'rabbitmq_detailed_queue_messages_ready',
  'rabbitmq_detailed_queue_messages_unacked',
  'rabbitmq_detailed_queue_messages',
  'rabbitmq_detailed_queue_consumers',
  'rabbitmq_global_messages_received_total',
  'rabbitmq_global_messages_routed_total',
  'rabbitmq_global_messages_delivered_total',
  'rabbitmq_global_messages_confirmed_total',
  'rabbitmq_identity_info',
  'rabbitmq_process_resident_memory_bytes',
  'rabbitmq_resident_memory_limit_bytes',
  'rabbitmq_disk_space_available_bytes',
  'rabbitmq_disk_space_available_limit_bytes',
  'rabbitmq_alarms_memory_used_watermark',
  'rabbitmq_alarms_free_disk_space_watermark',
  'rabbitmq_alarms_file_descriptor_limit',
  'rabbitmq_connections',
  'rabbitmq_channels',
  // mysqld_exporter
  'mysql_up',
  'mysql_slave_status_seconds_behind_master',
  'mysql_slave_status_slave_io_running',
  'mysql_slave_status_slave_sql_running',
  'mysql_global_status_commands_total',
  'mysql_global_status_threads_connected',
  'mysql_global_status_threads_running',
  'mysql_global_variables_max_connections',
  'mysql_global_status_slow_queries',
  'mysql_global_status_innodb_row_lock_waits',
  'mysql_global_status_innodb_deadlocks',
  'mysql_global_status_innodb_buffer_pool_reads',
  'mysql_global_status_innodb_buffer_pool_read_requests',
  'mysql_global_variables_innodb_buffer_pool_size',
  'mysql_global_status_innodb_data_written',
];

/**
 * The metric names a PromQL expression reads, by a light tokenizer: strings, label matchers,
 * ranges and grouping lists are removed, then every identifier that is not a function, keyword
 * or number is a metric name. `{__name__=~...}` selectors name no metric and are skipped.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(?))/g)) {
    const [word, paren] = [match[0], match[1]];
    if (paren === '(' || keywords.has(word)) continue;
    names.add(word);
  }
  return [...names];
}

const keywords = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'Inf',
  'NaN',
]);

/** The family a series name belongs to: histogram and summary series share their family's name. */
export function familyOf(name: string, families: ReadonlySet<string>): string | undefined {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return families.has(base) ? base : undefined;
}
