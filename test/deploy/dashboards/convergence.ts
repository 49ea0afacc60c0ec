import { namespaceVariable, ns, rate } from './common.js';
import type { DashboardSpec } from './grafana.js';

const northd = `${ns},job=~"northd"`;
const southd = `${ns},job=~"southd"`;
const hvflowd = `${ns},job=~"hvflowd"`;

/** From a change in northd to its acknowledgement by the chassis, and who owns which chassis. */
export const convergence: DashboardSpec = {
  uid: 'vpcd-convergence',
  title: 'vpcd / Convergence',
  description:
    'Converge passes (attempted and failed chassis), change-to-ack lag, lease ownership per ' +
    'northd, and the chassis behind their desired generation.',
  variables: [namespaceVariable],
  rows: [
    {
      title: 'Converge passes',
      panels: [
        {
          title: 'Chassis attempted per pass',
          description:
            'Owned chassis behind their desired generation (and not awaiting an ack) that the ' +
            "last pass of each northd published: that northd's generation gap.",
          unit: 'short',
          queries: [
            { expr: `northd_attempted_converge_chassis{${northd}}`, legend: '{{instance}}' },
          ],
        },
        {
          title: 'Chassis failed per pass',
          description:
            'Chassis whose work the last pass could not publish (RabbitMQ refused or did not ' +
            'confirm). ChassisConvergeFailing warns after 10 minutes.',
          unit: 'short',
          queries: [{ expr: `northd_failed_converge_chassis{${northd}}`, legend: '{{instance}}' }],
        },
        {
          title: 'Pass duration',
          description: 'Computing and publishing every due chassis in one pass.',
          unit: 's',
          queries: ['0.5', '0.99'].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (instance, le) (rate(northd_converge_duration_seconds_bucket{${northd}}[${rate}])))`,
            legend: `p${Number(q) * 100} {{instance}}`,
          })),
        },
      ],
    },
    {
      title: 'Lag',
      panels: [
        {
          title: 'Change to acknowledgement',
          description:
            "From a chassis' desired-generation bump to its acknowledgement (target: p99 100 " +
            'ms; ChassisConvergeLagHigh warns above 5 s).',
          unit: 's',
          queries: ['0.5', '0.9', '0.99'].map((q) => ({
            expr: `histogram_quantile(${q}, sum by (le) (rate(northd_chassis_converge_lag_seconds_bucket{${northd}}[${rate}])))`,
            legend: `p${Number(q) * 100}`,
          })),
        },
        {
          title: 'Acknowledgements by result',
          description:
            'applied: recorded; stale: an older epoch or generation (fenced or duplicate); ' +
            'error: the chassis could not apply the state.',
          unit: 'ops',
          stacked: true,
          queries: [
            {
              expr: `sum by (result) (rate(northd_converge_acks_total{${northd}}[${rate}]))`,
              legend: '{{result}}',
            },
          ],
        },
        {
          title: 'southd deliveries by result',
          description:
            'States applied on hvflowd, superseded by a newer one, fenced, retried (hvflowd ' +
            'unreachable) or failed.',
          unit: 'ops',
          stacked: true,
          queries: [
            {
              expr: `sum by (result) (rate(southd_deliveries_total{${southd}}[${rate}]))`,
              legend: '{{result}}',
            },
          ],
        },
        {
          title: 'Hypervisors not answering southd',
          description:
            'hvflowd addresses whose last call found no hvflowd, per southd replica; deliveries ' +
            'waiting out a backoff in southd (bounded: the rest are deferred to northd).',
          unit: 'short',
          queries: [
            {
              expr: `southd_unreachable_addresses{${southd}}`,
              legend: 'unreachable {{instance}}',
            },
            { expr: `southd_retries_waiting{${southd}}`, legend: 'waiting {{instance}}' },
          ],
        },
      ],
    },
    {
      title: 'Ownership',
      panels: [
        {
          title: 'Chassis owned per northd',
          description: 'Leases held: each northd holds about chassis / live members.',
          unit: 'short',
          stacked: true,
          queries: [{ expr: `northd_owned_chassis{${northd}}`, legend: '{{instance}}' }],
        },
        {
          title: 'Live members',
          description: 'Live northd instances as each saw them at its last lease renewal.',
          unit: 'short',
          queries: [{ expr: `northd_live_members{${northd}}`, legend: '{{instance}}' }],
        },
        {
          title: 'Lease activity',
          description:
            'Claims (each bumps the epoch: after a failure or for balance), releases, and ' +
            'renewal rounds that failed.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (instance) (rate(northd_lease_claims_total{${northd}}[${rate}]))`,
              legend: 'claims {{instance}}',
            },
            {
              expr: `sum by (instance) (rate(northd_lease_releases_total{${northd}}[${rate}]))`,
              legend: 'releases {{instance}}',
            },
            {
              expr: `sum by (instance) (rate(northd_lease_renewals_total{${northd},outcome!="ok"}[${rate}]))`,
              legend: 'failed renewals {{instance}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Generation gap',
      panels: [
        {
          title: 'Chassis behind, awaiting an ack',
          description:
            'Chassis with work published and not yet acknowledged, per northd. Together with ' +
            '"attempted per pass" this is every chassis whose applied generation is behind.',
          unit: 'short',
          stacked: true,
          queries: [
            { expr: `northd_converge_in_flight_chassis{${northd}}`, legend: '{{instance}}' },
          ],
        },
        {
          title: 'hvflowd applies by result',
          description:
            'applied: the bridge changed; unchanged: generation already applied; fenced: an ' +
            'older epoch; rejected and failed: not applied.',
          unit: 'ops',
          stacked: true,
          queries: [
            {
              expr: `sum by (result) (rate(hvflowd_apply_total{${hvflowd}}[${rate}]))`,
              legend: '{{result}}',
            },
          ],
        },
        {
          title: 'Heartbeats with drift',
          description:
            "Heartbeats whose applied-state hash differed from northd's: the bridge drifted " +
            'from the desired flows and is converged again.',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (result) (rate(hvflowd_heartbeats_total{${hvflowd}}[${rate}]))`,
              legend: '{{result}}',
            },
          ],
        },
      ],
    },
  ],
};
