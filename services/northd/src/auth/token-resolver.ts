import type { TokenRecord, TokenStore } from '../store/tokens.js';
import type { AuthFailureReason, AuthMetrics } from './auth-metrics.js';
import type { Principal } from './principal.js';

export interface TokenResolverOptions {
  readonly tokens: TokenStore;
  readonly metrics: AuthMetrics;
  /** How long a valid token is trusted without asking the database (unless revoked sooner). */
  readonly cacheTtlMs: number;
  /** Valid tokens cached; the least recently used is evicted beyond it. */
  readonly cacheSize: number;
  /** Refused tokens (unknown, expired, revoked) remembered, in a map of their own. */
  readonly negativeCacheSize: number;
  readonly negativeCacheTtlMs: number;
}

export type Resolution =
  | { readonly principal: Principal }
  | {
      readonly reason: Exclude<
        AuthFailureReason,
        'missing' | 'malformed' | 'rate_limited' | 'certificate_and_token' | 'unknown_certificate'
      >;
    };

interface Valid {
  readonly principal: Principal;
  readonly tokenId: string;
  readonly untilMs: number;
}

/**
 * Resolves well-formed project and service tokens by their hash, with two bounded caches:
 * valid tokens (LRU) and refused ones (FIFO). The maps are separate so that a spray of random
 * tokens evicts only other refused tokens, never a valid one; a refused token costs one
 * statement, and none again until its entry expires or is evicted. Concurrent misses on one
 * token share one lookup. forget() drops a revoked token at once; a lookup that was in flight
 * meanwhile is not cached, so a revocation is never undone by a read that predates it.
 */
export class TokenResolver {
  private readonly valid = new Map<string, Valid>();
  private readonly invalid = new Map<string, { reason: Resolution; untilMs: number }>();
  private readonly inFlight = new Map<string, Promise<Resolution>>();
  private generation = 0;

  constructor(private readonly options: TokenResolverOptions) {}

  /**
   * The token's principal or why it is refused, from the caches or, on a miss, the database.
   * With `mayLookup` false (a peer refused for too many failures) a miss answers undefined
   * instead of costing a statement: cached tokens still resolve.
   */
  resolve(hash: Buffer, mayLookup = true): Promise<Resolution | undefined> {
    const key = hash.toString('base64');
    const now = Date.now();
    const hit = this.valid.get(key);
    if (hit !== undefined) {
      this.valid.delete(key);
      if (hit.untilMs > now) {
        this.valid.set(key, hit);
        this.options.metrics.lookups.inc({ source: 'cache' });
        return Promise.resolve({ principal: hit.principal });
      }
    }
    const refused = this.invalid.get(key);
    if (refused !== undefined) {
      if (refused.untilMs > now) {
        this.options.metrics.lookups.inc({ source: 'negative_cache' });
        return Promise.resolve(refused.reason);
      }
      this.invalid.delete(key);
    }
    let pending = this.inFlight.get(key);
    if (pending === undefined && !mayLookup) return Promise.resolve(undefined);
    if (pending === undefined) {
      pending = this.lookup(key, hash).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /**
   * Whether resolving `hash` now would cost a statement: it is in neither cache (or its entry
   * expired) and no lookup of it is in flight.
   */
  needsLookup(hash: Buffer): boolean {
    const key = hash.toString('base64');
    const now = Date.now();
    if ((this.valid.get(key)?.untilMs ?? 0) > now) return false;
    if ((this.invalid.get(key)?.untilMs ?? 0) > now) return false;
    return !this.inFlight.has(key);
  }

  /** Drops a (revoked) token from the cache; safe to call for tokens never seen. */
  forget(tokenId: string): void {
    this.generation += 1;
    for (const [key, entry] of this.valid) if (entry.tokenId === tokenId) this.valid.delete(key);
  }

  /** Drops every valid token (after revocations may have been missed). */
  forgetAll(): void {
    this.generation += 1;
    this.valid.clear();
  }

  size(cache: 'valid' | 'invalid'): number {
    return cache === 'valid' ? this.valid.size : this.invalid.size;
  }

  capacity(cache: 'valid' | 'invalid'): number {
    return cache === 'valid' ? this.options.cacheSize : this.options.negativeCacheSize;
  }

  private async lookup(key: string, hash: Buffer): Promise<Resolution> {
    const generation = this.generation;
    const record = await this.options.tokens.findByHash(hash);
    this.options.metrics.lookups.inc({ source: 'database' });
    const now = Date.now();
    const resolution = classify(record, now);
    if ('reason' in resolution) {
      if (this.invalid.size >= this.options.negativeCacheSize) {
        this.invalid.delete(this.invalid.keys().next().value!);
      }
      this.invalid.set(key, { reason: resolution, untilMs: now + this.options.negativeCacheTtlMs });
    } else if (generation === this.generation && this.options.cacheSize > 0) {
      if (this.valid.size >= this.options.cacheSize) {
        this.valid.delete(this.valid.keys().next().value!);
      }
      const expiresMs = record!.expireTime?.getTime() ?? Infinity;
      this.valid.set(key, {
        principal: resolution.principal,
        tokenId: record!.id,
        untilMs: Math.min(now + this.options.cacheTtlMs, expiresMs),
      });
    }
    return resolution;
  }
}

function classify(record: TokenRecord | undefined, nowMs: number): Resolution {
  if (record === undefined) return { reason: 'unknown' };
  if (record.revokeTime !== undefined) return { reason: 'revoked' };
  if (record.expireTime !== undefined && record.expireTime.getTime() <= nowMs) {
    return { reason: 'expired' };
  }
  const { owner } = record;
  return {
    principal:
      'projectId' in owner
        ? { kind: 'project', projectId: owner.projectId }
        : { kind: 'service', role: owner.role, subject: owner.subject },
  };
}
