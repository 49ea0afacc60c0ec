import { createTestCa, type IssuedCertificate } from './test-ca.js';

/** PEM material for TLS tests: a CA with a server and a client certificate, and an impostor. */
export interface TestCertificates {
  readonly ca: Buffer;
  readonly server: { readonly cert: Buffer; readonly key: Buffer };
  /** Signed by `ca`, CN=`clientName`. */
  readonly client: { readonly cert: Buffer; readonly key: Buffer };
  /** Client certificates signed by `ca`, by CN: `clientName` and every one of `otherClients`. */
  readonly clients: Readonly<Record<string, { readonly cert: Buffer; readonly key: Buffer }>>;
  /** A CA nobody trusts, and a client certificate it signed (CN=`clientName` too). */
  readonly rogueCa: Buffer;
  readonly rogueClient: { readonly cert: Buffer; readonly key: Buffer };
  readonly clientName: string;
}

/**
 * Makes fresh certificates (createTestCa: P-256 keys, valid two days). The server's certificate
 * names localhost and 127.0.0.1. `otherClients` are more client CNs, each given its own
 * certificate from the same CA (identities such as `hvflowd:hv1`).
 */
export function createTestCertificates(
  clientName = 'test-client',
  otherClients: readonly string[] = [],
): TestCertificates {
  const ca = createTestCa(undefined, 'ca');
  const rogue = createTestCa(undefined, 'rogue-ca');
  const pair = ({ cert, key }: IssuedCertificate) => ({ cert, key });
  try {
    const client = pair(ca.issue(clientName));
    return {
      ca: ca.ca,
      server: pair(ca.issue('localhost')),
      client,
      clients: Object.fromEntries([
        [clientName, client] as const,
        ...otherClients.map((cn) => [cn, pair(ca.issue(cn))] as const),
      ]),
      rogueCa: rogue.ca,
      rogueClient: pair(rogue.issue(clientName)),
      clientName,
    };
  } finally {
    ca.remove();
    rogue.remove();
  }
}
