import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * Makes fresh certificates with the openssl command (P-256 keys, valid two days). The server's
 * certificate names localhost and 127.0.0.1. `otherClients` are more client CNs, each given its
 * own certificate from the same CA (identities such as `hvflowd:hv1`).
 */
export function createTestCertificates(
  clientName = 'test-client',
  otherClients: readonly string[] = [],
): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'vpcd-certs-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) =>
    ssl(
      'genpkey',
      '-algorithm',
      'EC',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-out',
      `${name}.key`,
    );
  const ca = (name: string) => {
    key(name);
    ssl(
      'req',
      '-x509',
      '-new',
      '-key',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    );
  };
  const leaf = (name: string, cn: string, issuer: string, ext: string) => {
    key(name);
    ssl('req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.crt`,
      '-CAkey',
      `${issuer}.key`,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    );
  };
  try {
    ca('ca');
    ca('rogue-ca');
    leaf(
      'server',
      'localhost',
      'ca',
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    );
    leaf('client', clientName, 'ca', 'extendedKeyUsage=clientAuth\n');
    leaf('rogue-client', clientName, 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
    otherClients.forEach((cn, i) => leaf(`client-${i}`, cn, 'ca', 'extendedKeyUsage=clientAuth\n'));
    const read = (file: string) => readFileSync(join(dir, file));
    const pair = (name: string) => ({ cert: read(`${name}.crt`), key: read(`${name}.key`) });
    return {
      ca: read('ca.crt'),
      server: pair('server'),
      client: pair('client'),
      clients: Object.fromEntries([
        [clientName, pair('client')] as const,
        ...otherClients.map((cn, i) => [cn, pair(`client-${i}`)] as const),
      ]),
      rogueCa: read('rogue-ca.crt'),
      rogueClient: pair('rogue-client'),
      clientName,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
