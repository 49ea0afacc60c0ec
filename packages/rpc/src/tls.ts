import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';

/**
 * How a server treats client certificates: `none` asks for none; `optional` verifies one if the
 * client presents it (a certificate the CA did not sign closes the connection) and lets clients
 * without one in; `require` refuses clients without a valid one (mutual TLS).
 */
export type ClientCertMode = 'none' | 'optional' | 'require';

/** PEM-encoded material. */
export interface ServerTlsOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** CA bundle that client certificates must chain to; needed unless clientCert is `none`. */
  readonly ca?: Buffer;
  readonly clientCert: ClientCertMode;
}

export interface ClientTlsOptions {
  /** CA bundle that the server certificate must chain to; the system roots when absent. */
  readonly ca?: Buffer;
  /** Client certificate and key, for servers that verify clients. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Name to verify the server certificate against, when it differs from the target host. */
  readonly serverName?: string;
}

/** Reads TLS_CERT, TLS_KEY and TLS_CA style file paths; undefined paths are skipped. */
export function readPemFiles(paths: { cert?: string; key?: string; ca?: string }): {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
} {
  const read = (path: string | undefined) => (path ? readFileSync(path) : undefined);
  return { cert: read(paths.cert), key: read(paths.key), ca: read(paths.ca) };
}

// grpc-js's createSsl knows only "no client certificate" or "require one"; `optional` asks for
// one without rejecting its absence at the TLS layer, and rejectInvalidClientCerts() closes
// connections whose certificate does not verify.
class OptionalClientCertCredentials extends ServerCredentials {
  constructor(tls: ServerTlsOptions) {
    super({ requestCert: true, rejectUnauthorized: false }, tls);
  }
  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

export function serverCredentials(tls: ServerTlsOptions | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
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

export function channelCredentials(tls: ClientTlsOptions | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  return credentials.createSsl(tls.ca ?? null, tls.key ?? null, tls.cert ?? null);
}
