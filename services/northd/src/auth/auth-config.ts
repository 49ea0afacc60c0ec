import type { EnvReader } from '@vpcd/observability';

/** How northd caches tokens and limits failed authentications. */
export interface AuthConfig {
  /** TOKEN_CACHE_TTL_MS: how long a valid token is trusted without a lookup; default 30 s. Also
   * the bound on how long a revoked token may still work on a northd that missed the broadcast. */
  readonly cacheTtlMs: number;
  /** TOKEN_CACHE_SIZE: valid tokens cached; default 10,000. */
  readonly cacheSize: number;
  /** TOKEN_NEGATIVE_CACHE_SIZE: refused tokens remembered; default 10,000. */
  readonly negativeCacheSize: number;
  /** TOKEN_NEGATIVE_CACHE_TTL_MS: how long; default 60 s. */
  readonly negativeCacheTtlMs: number;
  /** AUTH_FAILURE_LIMIT: failures from one peer per window before it is refused; default 50, 0 off. */
  readonly failureLimit: number;
  /** AUTH_FAILURE_WINDOW_MS: the window, from a peer's first failure; default 60 s. */
  readonly failureWindowMs: number;
  /** AUTH_FAILURE_PEERS: peers tracked at once; default 10,000. */
  readonly failurePeers: number;
  /**
   * ALLOW_FLEET_IDENTITIES: accept `hvflowd-fleet:<prefix>` certificates and tokens, and issue
   * such tokens; default false. Only a simulated fleet (benchmarks, tests) needs them.
   */
  readonly allowFleetIdentities: boolean;
}

export function readAuthConfig(r: EnvReader): AuthConfig {
  return {
    cacheTtlMs: r.integer('TOKEN_CACHE_TTL_MS', 0) ?? 30_000,
    cacheSize: r.integer('TOKEN_CACHE_SIZE', 0) ?? 10_000,
    negativeCacheSize: r.integer('TOKEN_NEGATIVE_CACHE_SIZE', 1) ?? 10_000,
    negativeCacheTtlMs: r.integer('TOKEN_NEGATIVE_CACHE_TTL_MS', 0) ?? 60_000,
    failureLimit: r.integer('AUTH_FAILURE_LIMIT', 0) ?? 50,
    failureWindowMs: r.integer('AUTH_FAILURE_WINDOW_MS', 1) ?? 60_000,
    failurePeers: r.integer('AUTH_FAILURE_PEERS', 1) ?? 10_000,
    allowFleetIdentities: r.boolean('ALLOW_FLEET_IDENTITIES'),
  };
}
