import { join } from 'node:path';
import type { ClientTlsOptions } from '@vpcd/rpc';
import { createTestCa, type IssuedCertificate, type TestCa } from '@vpcd/observability/testing';

/**
 * The TLS material of a local region: a CA made at region start and one certificate per
 * identity, named as in production (CN `northd`, `southd`, `hvflowd:<chassis>`,
 * `hvflowd-fleet:<prefix>`, `hvaddr:<chassis>`), issued when first asked for. Every
 * certificate names localhost and 127.0.0.1, where the region's services listen.
 */
export interface RegionTls {
  readonly ca: TestCa;
  /** The certificate of `identity`, issued on first use. */
  certificate(identity: string): IssuedCertificate;
  /** TLS_CERT, TLS_KEY and TLS_CA of the service with `identity`. */
  serviceEnv(identity: string): Record<string, string>;
  /** What an operator's client of northd needs: the CA (it authenticates with a token). */
  readonly operatorTls: ClientTlsOptions;
  /** The same for vpcctl and hammer: `--tls-ca <file> --tls-server-name localhost`. */
  readonly operatorArgs: readonly string[];
  /** A client presenting `identity`'s certificate (e.g. southd's, to read an hvflowd). */
  clientTls(identity: string): ClientTlsOptions;
}

/** Makes the region's CA under `<runDir>/tls`. */
export function createRegionTls(runDir: string): RegionTls {
  const ca = createTestCa(join(runDir, 'tls'));
  const issued = new Map<string, IssuedCertificate>();
  const certificate = (identity: string) => {
    let cert = issued.get(identity);
    if (!cert) issued.set(identity, (cert = ca.issue(identity)));
    return cert;
  };
  return {
    ca,
    certificate,
    serviceEnv: (identity) => {
      const cert = certificate(identity);
      return { TLS_CERT: cert.certFile, TLS_KEY: cert.keyFile, TLS_CA: ca.caFile };
    },
    // Services listen on 127.0.0.1; the name checked is localhost (TLS sends no IP as SNI).
    operatorTls: { ca: ca.ca, serverName: 'localhost' },
    operatorArgs: ['--tls-ca', ca.caFile, '--tls-server-name', 'localhost'],
    clientTls: (identity) => {
      const cert = certificate(identity);
      return { ca: ca.ca, cert: cert.cert, key: cert.key, serverName: 'localhost' };
    },
  };
}
