import type { Database } from '@vpcd/db';
import type { Broker } from '@vpcd/messaging';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { TokenStore } from '../store/tokens.js';
import type { AuthConfig } from './auth-config.js';
import { authMetrics } from './auth-metrics.js';
import { createAuthenticator } from './authenticator.js';
import { PeerLimiter } from './peer-limiter.js';
import { TokenRevocations } from './revocations.js';
import { TokenResolver } from './token-resolver.js';

/** northd's authentication: the authenticator, and the revocation broadcast it listens to. */
export function createTokenAuth(o: {
  readonly config: AuthConfig;
  readonly adminToken: string;
  readonly db: Database;
  readonly broker: Broker;
  readonly northdId: string;
  readonly registry: Registry;
  readonly logger: Logger;
}) {
  const { config } = o;
  const limiter = new PeerLimiter({
    maxFailures: config.failureLimit,
    windowMs: config.failureWindowMs,
    maxPeers: config.failurePeers,
  });
  const metrics = authMetrics(o.registry, () => ({
    cacheEntries: (cache) => resolver.size(cache),
    cacheCapacity: (cache) => resolver.capacity(cache),
    peersTracked: () => limiter.tracked(),
    peersCapacity: () => limiter.capacity,
    peersLimited: () => limiter.limited(),
  }));
  const resolver: TokenResolver = new TokenResolver({
    tokens: new TokenStore(o.db),
    metrics,
    cacheTtlMs: config.cacheTtlMs,
    cacheSize: config.cacheSize,
    negativeCacheSize: config.negativeCacheSize,
    negativeCacheTtlMs: config.negativeCacheTtlMs,
  });
  const revocations = new TokenRevocations(o.broker, o.northdId, resolver, metrics, o.logger);
  const authenticate = createAuthenticator({
    adminToken: o.adminToken,
    resolver,
    limiter,
    metrics,
    logger: o.logger,
    allowFleetIdentities: config.allowFleetIdentities,
    beforeResolve: () => revocations.checkConnection(),
  });
  return { authenticate, revocations };
}
