import { Counter, Gauge, type Registry } from 'prom-client';

export interface LeaseMetrics {
  owned: Gauge;
  members: Gauge;
  renewals: Counter<'outcome'>;
  claims: Counter;
  releases: Counter;
}

export function leaseMetrics(registry: Registry): LeaseMetrics {
  const registers = [registry];
  return {
    owned: new Gauge({
      name: 'northd_owned_chassis',
      help: 'Chassis whose lease this northd holds.',
      registers,
    }),
    members: new Gauge({
      name: 'northd_live_members',
      help: 'Live northd instances as this one saw them at its last renewal.',
      registers,
    }),
    renewals: new Counter({
      name: 'northd_lease_renewals_total',
      help: 'Lease renewal rounds by outcome.',
      labelNames: ['outcome'],
      registers,
    }),
    claims: new Counter({
      name: 'northd_lease_claims_total',
      help: 'Chassis leases claimed (each bumps the epoch).',
      registers,
    }),
    releases: new Counter({
      name: 'northd_lease_releases_total',
      help: 'Chassis leases handed back to rebalance.',
      registers,
    }),
  };
}
