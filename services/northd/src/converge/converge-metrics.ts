import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ConvergeMetrics {
  attempted: Gauge;
  failed: Gauge;
  duration: Histogram;
  lag: Histogram;
  acks: Counter<'result'>;
  rejectedInterfaces: Counter<'reason'>;
  inFlight: Gauge;
  hints: Counter<'direction'>;
  refused: Counter<'reason'>;
  reconciles: Counter<'action'>;
  audits: Counter<'result'>;
}

/** Why a state is refused for good; every reason's series exists from the start (at 0). */
export const refusedReasons = ['too_large', 'invalid'] as const;

/** What a reconcile decided; every action's series exists from the start (at 0). */
export const reconcileActions = [
  'forget',
  'wait',
  'hold',
  'resend',
  'full',
  'delta',
  'none',
] as const;

/** How an audit ended; likewise. */
export const auditResults = ['match', 'mismatch', 'skipped'] as const;

/**
 * The converge metrics: the gauges of the original system (their names are what dashboards and
 * alerts use), lag, acks, the hint channel, and the reconciler's decisions and audits.
 */
export function convergeMetrics(registry: Registry): ConvergeMetrics {
  const registers = [registry];
  const refused = new Counter({
    name: 'northd_converge_refused_total',
    help:
      'Chassis states refused for good and not sent again until the chassis changes, by ' +
      'reason: too_large (over the transport limit) or invalid (hvflowd refused it); found ' +
      'by this northd before publishing, or reported by southd in an ack it recorded.',
    labelNames: ['reason'],
    registers,
  });
  for (const reason of refusedReasons) refused.inc({ reason }, 0);
  const reconciles = new Counter({
    name: 'northd_converge_reconciles_total',
    help:
      'Reconciles of one chassis by what they decided: forget (not owned), wait (a message ' +
      'unacknowledged, not yet due), hold (changes held back in a burst, to go out together), ' +
      'resend, full (a full state), delta, none.',
    labelNames: ['action'],
    registers,
  });
  for (const action of reconcileActions) reconciles.inc({ action }, 0);
  const audits = new Counter({
    name: 'northd_converge_audits_total',
    help:
      "Audits of a chassis' content hash against the state it should hold, by result: match, " +
      'mismatch (a full state was sent), skipped (no report at the current revision).',
    labelNames: ['result'],
    registers,
  });
  for (const result of auditResults) audits.inc({ result }, 0);
  return {
    refused,
    reconciles,
    audits,
    attempted: new Gauge({
      name: 'northd_attempted_converge_chassis',
      help:
        'Owned chassis with pending changes found by the last safety pass (change hints and ' +
        'acks queue chassis sooner).',
      registers,
    }),
    failed: new Gauge({
      name: 'northd_failed_converge_chassis',
      help: 'Chassis whose last converge message could not be published (retried with backoff).',
      registers,
    }),
    duration: new Histogram({
      name: 'northd_converge_duration_seconds',
      help: 'Duration of one reconcile of one chassis: reading its changes, loading and publishing.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lag: new Histogram({
      name: 'northd_chassis_converge_lag_seconds',
      help: 'Time from the oldest change an acknowledged message covered to its acknowledgement.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    acks: new Counter({
      name: 'northd_converge_acks_total',
      help: 'Acknowledgements received, by result (applied, stale, error, refused, needs_full).',
      labelNames: ['result'],
      registers,
    }),
    rejectedInterfaces: new Counter({
      name: 'northd_rejected_interfaces_total',
      help: 'Interfaces reported left out of their chassis flows by applied acks (FAILED), by reason.',
      labelNames: ['reason'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'northd_converge_in_flight_chassis',
      help: 'Chassis with converge work published and not yet acknowledged.',
      registers,
    }),
    hints: new Counter({
      name: 'northd_change_hints_total',
      help: 'Change hints sent and received.',
      labelNames: ['direction'],
      registers,
    }),
  };
}
