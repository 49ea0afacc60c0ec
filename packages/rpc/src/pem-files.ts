import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createSecureContext, rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { experimental } from '@grpc/grpc-js';
import type { Logger } from 'pino';

export interface PemFilesOptions {
  /** Certificate chain and its private key, together; for servers, and clients that present one. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** CA bundle: what peers' certificates must chain to. Clients without one trust Node's roots. */
  readonly caFile?: string;
  /** How often the files are read again; default 60 s. */
  readonly refreshIntervalMs?: number;
  /** Told of each reload, and of files that could not be read (the last good ones stay in use). */
  readonly logger?: Logger;
}

interface Material {
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly ca: Buffer | undefined;
}

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/**
 * TLS files that are read again every refreshIntervalMs while a server or channel uses them,
 * so a renewed certificate (cert-manager rewriting a mounted Secret) serves new connections
 * without a restart; open connections keep the certificate they were made with. A grpc-js
 * certificate provider; share one between the clients and the server of a process.
 *
 * The files are read at construction: missing or mismatched files throw there. Later reads that
 * fail, or find a key that does not match its certificate (a renewal half written), keep the
 * last good files in use and are logged.
 */
export class PemFiles implements experimental.CertificateProvider {
  readonly refreshIntervalMs: number;
  private material: Material;
  private readAtMs: number;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  /**
   * The reader of the TLS files a service's configuration names, or undefined when it names
   * none (plaintext): what every service does with TLS_CERT, TLS_KEY and TLS_CA.
   */
  static fromPaths(options: PemFilesOptions): PemFiles | undefined {
    return options.certFile || options.caFile ? new PemFiles(options) : undefined;
  }

  constructor(private readonly options: PemFilesOptions) {
    const { certFile, keyFile, caFile, refreshIntervalMs = 60_000 } = options;
    const problems: string[] = [];
    if ((certFile === undefined) !== (keyFile === undefined)) {
      problems.push('certFile and keyFile go together');
    }
    if (certFile === undefined && caFile === undefined) problems.push('no certFile nor caFile');
    if (!Number.isInteger(refreshIntervalMs) || refreshIntervalMs < 1) {
      problems.push('refreshIntervalMs must be a whole number >= 1');
    }
    if (problems.length > 0) throw new Error(`invalid TLS files: ${problems.join('; ')}`);
    this.refreshIntervalMs = refreshIntervalMs;
    const read = (path: string | undefined) => (path ? readFileSync(path) : undefined);
    this.material = checked({ cert: read(certFile), key: read(keyFile), ca: read(caFile) });
    this.readAtMs = Date.now();
  }

  get hasIdentity(): boolean {
    return this.material.cert !== undefined;
  }

  get hasCa(): boolean {
    return this.material.ca !== undefined;
  }

  /** The PEM material in use now. */
  current(): Material {
    return this.material;
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    this.watch();
    const ca = this.material.ca ?? Buffer.from(rootCertificates.join('\n'));
    // grpc-js registers its own watcher after this returns; it must hear the first update.
    process.nextTick(() => {
      if (this.caListeners.has(listener)) listener({ caCertificate: ca });
    });
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
    this.unwatchIfIdle();
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    this.watch();
    const { cert, key } = this.material;
    process.nextTick(() => {
      if (!this.identityListeners.has(listener)) return;
      listener(cert && key ? { certificate: cert, privateKey: key } : null);
    });
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
    this.unwatchIfIdle();
  }

  private watch(): void {
    if (this.timer) return;
    // Nobody watched for a while (an idle channel): read now, so a new connection does not
    // start with a certificate replaced long ago.
    if (Date.now() - this.readAtMs >= this.refreshIntervalMs) this.reloadSync();
    this.timer = setInterval(() => void this.reload(), this.refreshIntervalMs);
    // The server or channel using the files keeps the process alive, not this timer.
    this.timer.unref();
  }

  private unwatchIfIdle(): void {
    if (this.caListeners.size > 0 || this.identityListeners.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private reloadSync(): void {
    try {
      const read = (path: string | undefined) => (path ? readFileSync(path) : undefined);
      const { certFile, keyFile, caFile } = this.options;
      this.apply({ cert: read(certFile), key: read(keyFile), ca: read(caFile) });
    } catch (err: unknown) {
      this.keepCurrent(err);
    }
  }

  private async reload(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const read = (path: string | undefined) => (path ? readFile(path) : undefined);
      const { certFile, keyFile, caFile } = this.options;
      const [cert, key, ca] = await Promise.all([read(certFile), read(keyFile), read(caFile)]);
      if (this.timer) this.apply({ cert, key, ca });
    } catch (err: unknown) {
      this.keepCurrent(err);
    } finally {
      this.reading = false;
    }
  }

  /** Takes new material if it differs and holds together, and tells the listeners. */
  private apply(next: Material): void {
    this.readAtMs = Date.now();
    const same = (a: Buffer | undefined, b: Buffer | undefined) =>
      a === b || (a !== undefined && b !== undefined && a.equals(b));
    const was = this.material;
    if (same(was.cert, next.cert) && same(was.key, next.key) && same(was.ca, next.ca)) return;
    this.material = checked(next);
    const { cert, key, ca } = this.material;
    this.options.logger?.info(
      { certFile: this.options.certFile, ...certificateFacts(cert) },
      'TLS files changed: new connections use them',
    );
    if (!same(was.ca, ca) && ca) {
      for (const listener of this.caListeners) listener({ caCertificate: ca });
    }
    if ((!same(was.cert, cert) || !same(was.key, key)) && cert && key) {
      for (const listener of this.identityListeners) {
        listener({ certificate: cert, privateKey: key });
      }
    }
  }

  private keepCurrent(err: unknown): void {
    const { certFile, keyFile, caFile } = this.options;
    this.options.logger?.warn(
      { err, certFile, keyFile, caFile },
      'TLS files unusable: keeping the ones in use',
    );
  }
}

/** Throws unless the key matches the certificate and every file parses as PEM. */
function checked(material: Material): Material {
  const { cert, key, ca } = material;
  try {
    createSecureContext({ cert, key, ca });
    if (cert) new X509Certificate(cert);
  } catch (err: unknown) {
    throw new Error(`TLS files do not hold together: ${(err as Error).message}`, { cause: err });
  }
  return material;
}

function certificateFacts(cert: Buffer | undefined): { subject?: string; validTo?: string } {
  if (!cert) return {};
  const x509 = new X509Certificate(cert);
  return { subject: x509.subject, validTo: x509.validTo };
}
