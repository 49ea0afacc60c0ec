import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a call was refused before its credentials resolved to a principal. */
export type AuthFailureReason =
  | 'missing'
  | 'malformed'
  | 'unknown'
  | 'expired'
  | 'revoked'
  | 'rate_limited'
  | 'certificate_and_token'
  | 'unknown_certificate';

export interface AuthMetrics {
  /** By reason only: peers are counted in the limiter's bounded map, never in labels. */
  readonly failures: Counter<'reason'>;
  /** Where a well-formed token was resolved: cache, negative_cache or database. */
  readonly lookups: Counter<'source'>;
  /** Revocation broadcasts: sent, unsent (broker trouble) and received. */
  readonly revocations: Counter<'event'>;
}

export interface AuthGauges {
  cacheEntries(cache: 'valid' | 'invalid'): number;
  cacheCapacity(cache: 'valid' | 'invalid'): number;
  peersTracked(): number;
  peersCapacity(): number;
  peersLimited(): number;
}

/** northd's authentication metrics; `gauges` is read at scrape time. */
export function authMetrics(registry: Registry, gauges: () => AuthGauges): AuthMetrics {
  const registers = [registry];
  const caches = ['valid', 'invalid'] as const;
  new Gauge({
    name: 'northd_token_cache_entries',
    help: 'Tokens cached by this northd: valid ones, and refused ones (unknown, expired, revoked).',
    labelNames: ['cache'],
    registers,
    collect() {
      for (const cache of caches) this.set({ cache }, gauges().cacheEntries(cache));
    },
  });
  new Gauge({
    name: 'northd_token_cache_capacity',
    help: 'Most tokens each cache holds before it evicts its oldest entry.',
    labelNames: ['cache'],
    registers,
    collect() {
      for (const cache of caches) this.set({ cache }, gauges().cacheCapacity(cache));
    },
  });
  new Gauge({
    name: 'northd_auth_peers_tracked',
    help: 'Peer addresses with recent failed authentications held by the rate limiter.',
    registers,
    collect() {
      this.set(gauges().peersTracked());
    },
  });
  new Gauge({
    name: 'northd_auth_peers_capacity',
    help: 'Most peer addresses the rate limiter tracks before it evicts the oldest.',
    registers,
    collect() {
      this.set(gauges().peersCapacity());
    },
  });
  new Gauge({
    name: 'northd_auth_peers_limited',
    help: 'Peer addresses refused without a token lookup until their failure window passes.',
    registers,
    collect() {
      this.set(gauges().peersLimited());
    },
  });
  return {
    failures: new Counter({
      name: 'northd_auth_failures_total',
      help: 'Calls refused for their credentials, by reason (missing, malformed, unknown, expired, revoked, rate_limited, certificate_and_token, unknown_certificate).',
      labelNames: ['reason'],
      registers,
    }),
    lookups: new Counter({
      name: 'northd_token_lookups_total',
      help: 'Well-formed tokens resolved, by source (cache, negative_cache, database).',
      labelNames: ['source'],
      registers,
    }),
    revocations: new Counter({
      name: 'northd_token_revocations_total',
      help: 'Token revocation broadcasts, by event (sent, unsent, received).',
      labelNames: ['event'],
      registers,
    }),
  };
}
