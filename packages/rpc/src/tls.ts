import type { PeerCertificate, TLSSocket } from 'node:tls';
import {
  credentials,
  experimental,
  ServerCredentials,
  type ChannelCredentials,
} from '@grpc/grpc-js';
import type { PemFiles } from './pem-files.js';

/**
 * How a server treats client certificates: `none` asks for none; `optional` verifies one if the
 * client presents it (a certificate the CA did not sign closes the connection) and lets clients
 * without one in; `require` refuses clients without a valid one (mutual TLS).
 */
export type ClientCertMode = 'none' | 'optional' | 'require';

/**
 * The server's certificate, key and CA bundle (that client certificates must chain to; needed
 * unless clientCert is `none`): PEM Buffers, fixed for the server's life, or `files` read again
 * while it runs, so a renewed certificate serves new connections without a restart.
 */
export type ServerTlsOptions = { readonly clientCert: ClientCertMode } & (
  | { readonly cert: Buffer; readonly key: Buffer; readonly ca?: Buffer; readonly files?: never }
  | { readonly files: PemFiles; readonly cert?: never; readonly key?: never; readonly ca?: never }
);

/**
 * The CA bundle that the server certificate must chain to (the system roots when absent) and
 * the client certificate and key, for servers that verify clients: PEM Buffers, or `files` read
 * again while the channel runs, for new connections.
 */
export type ClientTlsOptions = {
  /** Name to verify the server certificate against, when it differs from the target host. */
  readonly serverName?: string;
  /**
   * Replaces the host name check of the server certificate (the chain is still verified against
   * the CA): returns an Error to refuse the connection, e.g. when the certificate does not name
   * the identity the caller expects at that address. Default: node's tls.checkServerIdentity.
   */
  readonly checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined;
} & (
  | { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer; readonly files?: never }
  | { readonly files: PemFiles; readonly ca?: never; readonly cert?: never; readonly key?: never }
);

// grpc-js's createSsl knows only "no client certificate" or "require one"; `optional` asks for
// one without rejecting its absence at the TLS layer, and rejectInvalidClientCerts() closes
// connections whose certificate does not verify.
class OptionalClientCertCredentials extends ServerCredentials {
  constructor(tls: { cert: Buffer; key: Buffer; ca?: Buffer }) {
    super({ requestCert: true, rejectUnauthorized: false }, tls);
  }
  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export function serverCredentials(tls: ServerTlsOptions | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  if (tls.files) return watchedServerCredentials(tls.files, tls.clientCert);
  if (tls.clientCert !== 'none' && !tls.ca) {
    throw new Error(`clientCert "${tls.clientCert}" needs a CA bundle (TLS_CA)`);
  }
  const pair = [{ cert_chain: tls.cert, private_key: tls.key }];
  switch (tls.clientCert) {
    case 'none':
      return ServerCredentials.createSsl(tls.ca ?? null, pair, false);
    case 'require':
      return ServerCredentials.createSsl(tls.ca ?? null, pair, true);
    case 'optional':
      return new OptionalClientCertCredentials(tls);
  }
}

/** Closes a TLS connection that presented a client certificate the CA does not vouch for. */
export function rejectInvalidClientCert(socket: TLSSocket): void {
  if (!socket.authorized && socket.getPeerCertificate()?.raw) socket.destroy();
}

// grpc-js asks for no client certificate without a CA provider, for one with it, and rejects
// an invalid or (requireClientCertificate) missing one: `optional` is requestCert without
// rejectUnauthorized, with rejectInvalidClientCert() closing connections as for Buffers.
function watchedServerCredentials(files: PemFiles, mode: ClientCertMode): ServerCredentials {
  if (!files.hasIdentity) throw new Error('a server needs a certificate and key (TLS_CERT)');
  if (mode !== 'none' && !files.hasCa) {
    throw new Error(`clientCert "${mode}" needs a CA bundle (TLS_CA)`);
  }
  // The 1.14 declaration names the first parameter the CA provider, but grpc-js uses it as the
  // identity provider and the second (nullable) one as the CA's.
  return experimental.createCertificateProviderServerCredentials(
    files,
    mode === 'none' ? null : files,
    mode === 'require',
  );
}

export function channelCredentials(tls: ClientTlsOptions | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  const verify = tls.checkServerIdentity ? { checkServerIdentity: tls.checkServerIdentity } : {};
  if (tls.files) {
    const { files } = tls;
    return experimental.createCertificateProviderChannelCredentials(
      files,
      files.hasIdentity ? files : null,
      verify,
    );
  }
  return credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null, verify);
}
