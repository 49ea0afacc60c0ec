import type { Authenticate } from '@vpcd/rpc';
import { RpcError, Status } from '@vpcd/rpc';
import type { Logger } from 'pino';
import type { AuthFailureReason, AuthMetrics } from './auth-metrics.js';
import { peerKey, type PeerLimiter } from './peer-limiter.js';
import { toRpcError } from '../errors.js';
import { authorize } from './policy.js';
import { describePrincipal, type Principal } from './principal.js';
import {
  commonNameProblem,
  fleetIdentityRefusal,
  serviceOfCommonName,
} from './service-identity.js';
import type { TokenResolver } from './token-resolver.js';
import { hashToken, isWellFormedToken, sameHash } from './tokens.js';

export interface AuthenticatorOptions {
  readonly adminToken: string;
  /** Project and service tokens, cached. */
  readonly resolver: TokenResolver;
  /** Failed authentications per peer. */
  readonly limiter: PeerLimiter;
  readonly metrics: AuthMetrics;
  readonly logger: Logger;
  /**
   * Accept `hvflowd-fleet:<prefix>` certificates and service tokens (ALLOW_FLEET_IDENTITIES);
   * when false, a fleet certificate is UNAUTHENTICATED and a fleet token PERMISSION_DENIED.
   */
  readonly allowFleetIdentities: boolean;
  /** Called before a token is resolved (see TokenRevocations.checkConnection). */
  readonly beforeResolve?: () => void;
}

const messages: Record<AuthFailureReason, string> = {
  missing: 'credentials required: authorization: Bearer <token>',
  malformed: 'malformed credentials: expected authorization: Bearer vpcd_<43 base64url characters>',
  unknown: 'unknown token',
  expired: 'token expired',
  revoked: 'token revoked',
  rate_limited: 'too many failed authentications from this address',
  certificate_and_token:
    'both a client certificate and a bearer token were presented: present one ' +
    '(unset VPCD_TOKEN, or the client certificate)',
  unknown_certificate: 'client certificate names no vpcd identity',
};

/**
 * Resolves the caller from a bearer token (the admin token, or a project or service token
 * looked up by its hash) or, on mutual TLS, from the client certificate's common name (a
 * service role and subject; any other CN is UNAUTHENTICATED), never from both: a call that
 * presents both is refused. Then checks the policy for the method. A malformed token is
 * refused without a lookup; a peer with too many failures gets no lookup either (the admin
 * token and cached tokens still pass). A fleet identity (`hvflowd-fleet:<prefix>`) passes only
 * where allowFleetIdentities is set: it is the one identity that acts for many chassis.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticate<Principal> {
  const adminHash = hashToken(options.adminToken);
  const { limiter, metrics } = options;

  /** Counts the failure against the peer (a grpc-js peer string) and throws. */
  function refuse(reason: AuthFailureReason, peer: string, message = messages[reason]): never {
    metrics.failures.inc({ reason });
    const key = peerKey(peer);
    if (reason === 'rate_limited') {
      const retryS = Math.ceil(limiter.retryAfterMs(key) / 1000);
      throw new RpcError(Status.RESOURCE_EXHAUSTED, `${messages[reason]}; retry in ${retryS} s`);
    }
    if (limiter.recordFailure(key)) {
      options.logger.warn({ peer: key }, 'peer refused for too many failed authentications');
    }
    throw new RpcError(Status.UNAUTHENTICATED, message);
  }

  async function fromHeader(header: unknown, peer: string): Promise<Principal> {
    const token = typeof header === 'string' && /^Bearer +(\S+)\s*$/.exec(header)?.[1];
    if (!token) return refuse('malformed', peer);
    const hash = hashToken(token);
    if (sameHash(hash, adminHash)) return { kind: 'admin' };
    if (!isWellFormedToken(token)) return refuse('malformed', peer);
    options.beforeResolve?.();
    // A peer refused for too many failures costs no lookup, but the admin token and tokens
    // already cached still pass: one bad client behind a NAT or a node's /64 must not lock out
    // everyone who shares its address. A lookup this call starts counts as a failure until it
    // answers, so concurrent calls cannot start more lookups than the failures allowed.
    const key = peerKey(peer);
    const limited = limiter.tracked() > 0 && limiter.isLimited(key);
    const endLookup =
      !limited && options.resolver.needsLookup(hash) ? limiter.beginLookup(key) : undefined;
    let resolution;
    try {
      resolution = await options.resolver.resolve(hash, !limited);
    } catch (err) {
      throw toRpcError(err); // the database unreachable is UNAVAILABLE, which callers retry
    } finally {
      endLookup?.();
    }
    if (resolution === undefined) return refuse('rate_limited', peer);
    if ('reason' in resolution) return refuse(resolution.reason, peer);
    return resolution.principal;
  }

  return async ({ path, metadata, authContext, peer }) => {
    const header = metadata.get('authorization')[0];
    const cn = authContext.sslPeerCertificate?.subject?.CN;
    let principal: Principal;
    // One credential a call: a token must never raise a certificate's privilege (nor the
    // reverse), and "which one wins" is a rule callers would get wrong.
    if (header !== undefined && cn) refuse('certificate_and_token', peer);
    if (cn) {
      const service = serviceOfCommonName(String(cn));
      if (!service) refuse('unknown_certificate', peer, commonNameProblem(String(cn)));
      if (service.role === 'hvflowd-fleet' && !options.allowFleetIdentities) {
        refuse('unknown_certificate', peer, fleetIdentityRefusal(String(cn)));
      }
      principal = { kind: 'service', ...service };
    } else {
      principal = header === undefined ? refuse('missing', peer) : await fromHeader(header, peer);
      // The token is genuine (it was issued while the setting was on): refused, not unknown.
      if (
        principal.kind === 'service' &&
        principal.role === 'hvflowd-fleet' &&
        !options.allowFleetIdentities
      ) {
        throw new RpcError(
          Status.PERMISSION_DENIED,
          fleetIdentityRefusal(describePrincipal(principal)),
        );
      }
    }
    authorize(path, principal);
    return principal;
  };
}
