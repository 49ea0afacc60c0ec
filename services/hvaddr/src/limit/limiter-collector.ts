import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EwmaLimiter } from './ewma-limiter.js';

/** Buckets in requests per second, around the default limit of 5. */
const rateBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 1000];

/**
 * Exports the limiter's state at scrape time: `hvaddr_client_request_rate`, a histogram of every
 * tracked client's current EWMA rate (rebuilt on each scrape, so it is a snapshot, not a
 * cumulative count); `hvaddr_clients_tracked` against `hvaddr_clients_capacity`; and
 * `hvaddr_client_evictions_total`.
 */
export function registerLimiterCollector(
  registry: Registry,
  limiter: EwmaLimiter,
  now: () => number = Date.now,
): void {
  new Histogram({
    name: 'hvaddr_client_request_rate',
    help: 'Current request rate estimate (EWMA, requests per second) of each tracked client.',
    buckets: rateBuckets,
    registers: [registry],
    collect() {
      this.reset();
      this.zero({}); // the buckets exist even when no client is tracked
      limiter.forEachRate(now(), (rate) => this.observe(rate));
    },
  });
  new Gauge({
    name: 'hvaddr_clients_tracked',
    help: 'Clients whose request rate is tracked.',
    registers: [registry],
    collect() {
      this.set(limiter.size);
    },
  });
  new Gauge({
    name: 'hvaddr_clients_capacity',
    help: 'Clients that can be tracked before the least recently seen is evicted (MAX_CLIENTS).',
    registers: [registry],
    collect() {
      this.set(limiter.capacity);
    },
  });
  new Counter({
    name: 'hvaddr_client_evictions_total',
    help: 'Client rate states evicted to keep memory bounded.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(limiter.evicted);
    },
  });
}
