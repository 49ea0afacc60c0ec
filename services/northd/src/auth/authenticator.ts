import type { Authenticate } from '@vpcd/rpc';
import { RpcError, Status } from '@vpcd/rpc';
import type { TokenStore } from '../store/tokens.js';
import { presentedCredential } from './credentials.js';
import { authorize } from './policy.js';
import type { Principal } from './principal.js';
import { principalOfCommonName } from './service-identity.js';
import { hashToken, sameHash } from './tokens.js';

export interface AuthenticatorOptions {
  readonly adminToken: string;
  readonly tokens: TokenStore;
  /** How long a resolved token is trusted without asking the database; default 30 s. */
  readonly cacheTtlMs?: number;
  /** Bound on cached tokens; default 10,000. */
  readonly cacheSize?: number;
}

/**
 * Resolves the caller from a bearer token (the admin token, or a project token looked up by its
 * hash) or, on mutual TLS, from the client certificate's common name (a service role and
 * subject), never from both (see presentedCredential), then checks the policy for the method.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticate<Principal> {
  const adminHash = hashToken(options.adminToken);
  const ttlMs = options.cacheTtlMs ?? 30_000;
  const maxSize = options.cacheSize ?? 10_000;
  const cache = new Map<string, { principal: Principal; expiresAt: number }>();

  async function fromToken(token: string): Promise<Principal> {
    const hash = hashToken(token);
    if (sameHash(hash, adminHash)) return { kind: 'admin' };
    const key = hash.toString('base64');
    const hit = cache.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.principal;
    const projectId = await options.tokens.projectOfHash(hash);
    if (projectId === undefined) throw new RpcError(Status.UNAUTHENTICATED, 'unknown token');
    const principal: Principal = { kind: 'project', projectId };
    if (cache.size >= maxSize) cache.delete(cache.keys().next().value!);
    cache.set(key, { principal, expiresAt: Date.now() + ttlMs });
    return principal;
  }

  return async (call) => {
    const presented = presentedCredential(call);
    const principal =
      presented.kind === 'token'
        ? await fromToken(presented.token)
        : principalOfCommonName(presented.commonName);
    authorize(call.path, principal);
    return principal;
  };
}
