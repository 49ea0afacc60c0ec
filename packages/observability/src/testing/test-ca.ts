import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate and its key, as PEM and as the files a service's TLS_CERT/TLS_KEY name. */
export interface IssuedCertificate {
  readonly commonName: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface IssueOptions {
  /** subjectAltNames of a server certificate; default localhost and 127.0.0.1. */
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
}

/** A throwaway CA that issues one certificate per service identity (its CN). */
export interface TestCa {
  /** The directory holding ca.crt and every issued pair. */
  readonly dir: string;
  readonly ca: Buffer;
  /** The CA bundle's file, for TLS_CA. */
  readonly caFile: string;
  /**
   * Issues a certificate with subject CN `commonName`, valid for server and client
   * authentication (a service is both), with the given names; files are named after the CN.
   */
  issue(commonName: string, options?: IssueOptions): IssuedCertificate;
  /** Removes the directory. */
  remove(): void;
}

/**
 * Makes a CA with the openssl command (P-256 keys, valid two days) in `dir` (created; a fresh
 * temporary directory when absent), its subject CN `name`.
 */
export function createTestCa(dir?: string, name = 'vpcd-test-ca'): TestCa {
  const home = dir ?? mkdtempSync(join(tmpdir(), 'vpcd-ca-'));
  mkdirSync(home, { recursive: true });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: home, stdio: 'pipe' });
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
  key('ca');
  ssl(
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
  );
  const issued = new Set<string>();
  return {
    dir: home,
    ca: readFileSync(join(home, 'ca.crt')),
    caFile: join(home, 'ca.crt'),
    issue(commonName, options = {}) {
      if (!/^[A-Za-z0-9:._-]+$/.test(commonName))
        throw new Error(`bad common name "${commonName}"`);
      let name = commonName.replace(/[^A-Za-z0-9._-]/g, '_');
      while (issued.has(name)) name += '_';
      issued.add(name);
      key(name);
      ssl(
        'req',
        '-new',
        '-key',
        `${name}.key`,
        '-out',
        `${name}.csr`,
        '-subj',
        `/CN=${commonName}`,
      );
      const names = [
        ...(options.dnsNames ?? ['localhost']).map((n) => `DNS:${n}`),
        ...(options.ipAddresses ?? ['127.0.0.1']).map((ip) => `IP:${ip}`),
      ];
      writeFileSync(
        join(home, `${name}.ext`),
        `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`,
      );
      ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.crt',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      );
      const certFile = join(home, `${name}.crt`);
      const keyFile = join(home, `${name}.key`);
      return {
        commonName,
        cert: readFileSync(certFile),
        key: readFileSync(keyFile),
        certFile,
        keyFile,
      };
    },
    remove() {
      rmSync(home, { recursive: true, force: true });
    },
  };
}
