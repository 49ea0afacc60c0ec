import type { CallCredentials } from '@vpcd/rpc';
import { RpcError, Status } from '@vpcd/rpc';

/** The one credential a call presents. */
export type Presented =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'certificate'; readonly commonName: string };

/**
 * The credential of a call: a bearer token (`authorization: Bearer <token>`) or, on mutual TLS,
 * the verified client certificate's subject Common Name. A call that presents both is refused
 * (UNAUTHENTICATED): a token must never raise the privilege of a certificate, nor a certificate
 * that of a token, and "which one wins" is a rule callers would get wrong. Refusing also shows a
 * misconfigured agent (a certificate and a left-over VPCD_TOKEN) at its first call.
 */
export function presentedCredential(
  call: Pick<CallCredentials, 'metadata' | 'authContext'>,
): Presented {
  const header = call.metadata.get('authorization')[0];
  const cn = call.authContext.sslPeerCertificate?.subject?.CN;
  const commonName = cn === undefined ? undefined : String(cn);
  if (header !== undefined && commonName !== undefined) {
    throw new RpcError(
      Status.UNAUTHENTICATED,
      `both a client certificate (CN "${commonName}") and a bearer token were presented: ` +
        'present one (unset VPCD_TOKEN, or the client certificate)',
    );
  }
  if (header !== undefined) {
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) {
      throw new RpcError(Status.UNAUTHENTICATED, 'authorization must be "Bearer <token>"');
    }
    return { kind: 'token', token: header.slice('Bearer '.length).trim() };
  }
  if (commonName !== undefined) return { kind: 'certificate', commonName };
  throw new RpcError(
    Status.UNAUTHENTICATED,
    'credentials required: authorization: Bearer <token>, or a client certificate',
  );
}
