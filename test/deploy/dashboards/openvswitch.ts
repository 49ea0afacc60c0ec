import { namespaceVariable, ns, rate } from './common.js';
import type { DashboardSpec } from './grafana.js';

const hv = `${ns},job=~"hvflowd",instance=~"$instance"`;

/** Each hypervisor's bridge (openvswitch_* as openvswitch_exporter names them) and hvflowd's applies. */
export const openvswitch: DashboardSpec = {
  uid: 'vpcd-openvswitch',
  title: 'vpcd / Open vSwitch',
  description:
    'Per hypervisor: whether OVS answers, flows on br-int, port traffic, drops and errors, ' +
    "datapath cache, and hvflowd's applies.",
  variables: [
    namespaceVariable,
    {
      kind: 'query',
      name: 'instance',
      label: 'Hypervisor',
      query: `label_values(openvswitch_up{${ns}}, instance)`,
      multi: true,
    },
  ],
  rows: [
    {
      title: 'Bridge',
      panels: [
        {
          title: 'Open vSwitch answering',
          description: 'Hypervisors whose OVS answered the last reading, of those scraped.',
          unit: 'short',
          kind: 'stat',
          queries: [{ expr: `sum(openvswitch_up{${hv}})`, legend: 'up' }],
        },
        {
          title: 'Flows',
          description: 'OpenFlow flows on the bridge.',
          unit: 'short',
          queries: [{ expr: `openvswitch_flows{${hv}}`, legend: '{{instance}} {{bridge}}' }],
        },
        {
          title: 'Datapath lookups',
          description:
            'Packets that hit the datapath flow cache, missed it (upcall to ovs-vswitchd) or ' +
            'were lost.',
          unit: 'pps',
          queries: (['hit', 'missed', 'lost'] as const).map((kind) => ({
            expr: `sum by (instance) (rate(openvswitch_datapath_lookups_${kind}{${hv}}[${rate}]))`,
            legend: `${kind} {{instance}}`,
          })),
        },
      ],
    },
    {
      title: 'Ports',
      panels: [
        {
          title: 'Packets received by port (top 10)',
          description: 'From the guests into the bridge; a flooding guest stands out here.',
          unit: 'pps',
          queries: [
            {
              expr: `topk(10, rate(openvswitch_interface_rx_packets{${hv}}[${rate}]))`,
              legend: '{{instance}} {{port}}',
            },
          ],
        },
        {
          title: 'Packets sent by port (top 10)',
          description: 'From the bridge to the guests and the tunnel.',
          unit: 'pps',
          queries: [
            {
              expr: `topk(10, rate(openvswitch_interface_tx_packets{${hv}}[${rate}]))`,
              legend: '{{instance}} {{port}}',
            },
          ],
        },
        {
          title: 'Bytes by direction',
          description: 'All ports of each bridge.',
          unit: 'Bps',
          queries: [
            {
              expr: `sum by (instance) (rate(openvswitch_interface_rx_bytes{${hv}}[${rate}]))`,
              legend: 'rx {{instance}}',
            },
            {
              expr: `sum by (instance) (rate(openvswitch_interface_tx_bytes{${hv}}[${rate}]))`,
              legend: 'tx {{instance}}',
            },
          ],
        },
        {
          title: 'Drops and errors',
          description:
            'Interface drops and errors per port (flows that drop are not counted here).',
          unit: 'pps',
          queries: (['rx_dropped', 'tx_dropped', 'rx_errors', 'tx_errors'] as const).map(
            (counter) => ({
              expr: `sum by (instance, port) (rate(openvswitch_interface_${counter}{${hv}}[${rate}])) > 0`,
              legend: `${counter} {{instance}} {{port}}`,
            }),
          ),
        },
      ],
    },
    {
      title: 'hvflowd',
      panels: [
        {
          title: 'Apply duration',
          description: 'Bind ports, compile, diff, apply the bundle, read back.',
          unit: 's',
          queries: ['0.5', '0.99'].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (le) (rate(hvflowd_apply_duration_seconds_bucket{${hv}}[${rate}])))`,
            legend: `p${Number(q) * 100}`,
          })),
        },
        {
          title: 'Flows changed',
          description: 'Flows added and removed by applies.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (op) (rate(hvflowd_flows_applied_total{${hv}}[${rate}]))`,
              legend: '{{op}}',
            },
          ],
        },
        {
          title: 'Applies by result, and fenced states',
          description: "Outcomes of ApplyChassisState; fenced: a stale owner's state refused.",
          unit: 'ops',
          queries: [
            {
              expr: `sum by (result) (rate(hvflowd_apply_total{${hv}}[${rate}]))`,
              legend: '{{result}}',
            },
            {
              expr: `sum(rate(hvflowd_fenced_total{${hv}}[${rate}]))`,
              legend: 'fenced',
            },
          ],
        },
      ],
    },
  ],
};
