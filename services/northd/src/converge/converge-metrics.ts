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
}

/** Why a state is refused for good; every reason's series exists from the start (at 0). */
export const refusedReasons = ['too_large', 'invalid'] as const;

/** The converge gauges of the original system, plus lag, acks and the hint channel. */
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
  return {
    refused,
    attempted: new Gauge({
      name: 'northd_attempted_converge_chassis',
      help: 'Chassis this northd tried to converge in its last converge pass.',
      registers,
    }),
    failed: new Gauge({
      name: 'northd_failed_converge_chassis',
      help: 'Chassis whose converge work could not be published in the last converge pass.',
      registers,
    }),
    duration: new Histogram({
      name: 'northd_converge_duration_seconds',
      help: 'Duration of one converge pass: state computation and publishing.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    lag: new Histogram({
      name: 'northd_chassis_converge_lag_seconds',
      help: "Time from a chassis' desired generation bump to its acknowledgement.",
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
