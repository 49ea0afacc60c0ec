import { RpcError, serverAuthLayer, Status, type ServerLayer } from '@vpcd/rpc';

/** The certificate common name of the only caller hvflowd serves. */
export const SOUTHD_IDENTITY = 'southd';

/** What the auth layer resolved: the certificate's common name (always `southd`). */
export interface HvflowdCaller {
  readonly identity: string;
}

/**
 * Lets only southd call HvflowdService (ApplyChassisState, GetChassisState): the caller must
 * present a client certificate that the CA signed (the TLS layer verifies the chain) whose
 * subject CN is exactly `southd`. Every other identity of the same CA, another hvflowd or an
 * hvaddr, is PERMISSION_DENIED, so none of them can push a state or a forged epoch. A bearer
 * token is not looked at: it never stands in for, nor adds to, the certificate. Health checks
 * and reflection need no credentials.
 */
export function southdOnlyLayer(): ServerLayer {
  return serverAuthLayer<HvflowdCaller>(({ path, authContext }) => {
    const cn = authContext.sslPeerCertificate?.subject?.CN;
    const identity = Array.isArray(cn) ? cn.join(',') : cn;
    if (identity === undefined || identity === '') {
      throw new RpcError(Status.UNAUTHENTICATED, 'a client certificate (CN=southd) is required');
    }
    if (identity !== SOUTHD_IDENTITY) {
      throw new RpcError(
        Status.PERMISSION_DENIED,
        `only ${SOUTHD_IDENTITY} may call ${path}; the certificate names "${identity}"`,
      );
    }
    return Promise.resolve({ identity });
  }, isPublicPath);
}

function isPublicPath(path: string): boolean {
  return path.startsWith('/grpc.health.v1.') || path.startsWith('/grpc.reflection.');
}
