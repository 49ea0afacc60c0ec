import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Status } from './index.js';
import { PemFiles } from './pem-files.js';
import { isRpcError } from './rpc-error.js';
import { captureLogger } from '@vpcd/observability/testing';
import { createTestCertificates, type TestCertificates } from '@vpcd/observability/testing';
import { eventually, startServer, vpc, vpcClient, type TestServer } from './test-support.js';
import type { ClientCertMode, ClientTlsOptions, ServerTlsOptions } from './tls.js';

// Two certificate sets from different CAs; the client certificates' CNs tell them apart.
const a = createTestCertificates('client-a');
const b = createTestCertificates('client-b');

/** A folder of PEM files replaced the way kubelet updates a mounted Secret: by renames. */
class CertDir {
  readonly path = mkdtempSync(join(tmpdir(), 'vpcd-renewal-'));
  readonly certFile = join(this.path, 'tls.crt');
  readonly keyFile = join(this.path, 'tls.key');
  readonly caFile = join(this.path, 'ca.crt');

  write(files: { cert: Buffer; key: Buffer; ca: Buffer }): void {
    for (const [file, pem] of [
      [this.certFile, files.cert],
      [this.keyFile, files.key],
      [this.caFile, files.ca],
    ] as const) {
      writeFileSync(`${file}.new`, pem);
      renameSync(`${file}.new`, file);
    }
  }

  watch(refreshIntervalMs: number, logger = captureLogger().logger): PemFiles {
    const { certFile, keyFile, caFile } = this;
    return new PemFiles({ certFile, keyFile, caFile, refreshIntervalMs, logger });
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

const serverFiles = (c: TestCertificates) => ({ ...c.server, ca: c.ca });
const clientFiles = (c: TestCertificates) => ({ ...c.client, ca: c.ca });
const trusting = (c: TestCertificates) => ({ ca: c.ca, cert: c.client.cert, key: c.client.key });

/** Calls over a new connection: "OK <client CN the server verified>", or the status name. */
async function outcome(address: string, tls: ClientTlsOptions): Promise<string> {
  // A channel of its own, so no connection made before is reused.
  const client = vpcClient(address, {
    tls,
    defaultDeadlineMs: 5_000,
    channelOptions: { 'grpc.use_local_subchannel_pool': 1 },
  });
  try {
    return `OK ${(await client.getVpc({ id: 'x' })).name}`;
  } catch (err) {
    assert.ok(isRpcError(err));
    return Status[err.code];
  } finally {
    client.close();
  }
}

async function startTlsServer(tls: ServerTlsOptions) {
  return startServer({
    host: 'localhost',
    tls,
    impl: {
      getVpc: (_req, call) =>
        Promise.resolve(
          vpc({ name: String(call.getAuthContext().sslPeerCertificate?.subject?.CN ?? '') }),
        ),
    },
  });
}

for (const clientCert of ['optional', 'require'] as const satisfies ClientCertMode[]) {
  describe(`a server reading its TLS files (clientCert ${clientCert})`, () => {
    const dir = new CertDir();
    let server: TestServer;
    before(async () => {
      dir.write(serverFiles(a));
      server = await startTlsServer({ files: dir.watch(20), clientCert });
    });
    after(async () => {
      await server.server.shutdown();
      dir.remove();
    });

    it(`keeps the ${clientCert} client certificate checks`, async () => {
      const anonymous = await outcome(server.address, { ca: a.ca });
      assert.equal(anonymous, clientCert === 'optional' ? 'OK ' : 'UNAVAILABLE');
      const foreign = { ca: a.ca, cert: b.client.cert, key: b.client.key };
      assert.equal(await outcome(server.address, foreign), 'UNAVAILABLE');
    });

    it('serves a renewed certificate, and verifies clients with a renewed CA, on new connections', async () => {
      assert.equal(await outcome(server.address, trusting(a)), 'OK client-a');
      assert.equal(await outcome(server.address, trusting(b)), 'UNAVAILABLE');
      const before = vpcClient(server.address, { tls: trusting(a), defaultDeadlineMs: 5_000 });
      assert.equal((await before.getVpc({ id: 'x' })).name, 'client-a');

      dir.write(serverFiles(b));
      const got = await eventually(
        () => outcome(server.address, trusting(b)),
        (o) => o !== 'UNAVAILABLE',
      );
      assert.equal(got, 'OK client-b');
      assert.equal(await outcome(server.address, trusting(a)), 'UNAVAILABLE');
      // The connection made before the renewal keeps its certificate.
      assert.equal((await before.getVpc({ id: 'x' })).name, 'client-a');
      before.close();
    });
  });
}

describe('a server whose TLS files are replaced by a key that does not match', () => {
  const dir = new CertDir();
  const captured = captureLogger();
  let server: TestServer;
  before(async () => {
    dir.write(serverFiles(a));
    server = await startTlsServer({ files: dir.watch(20, captured.logger), clientCert: 'none' });
  });
  after(async () => {
    await server.server.shutdown();
    dir.remove();
  });

  it('keeps serving the last good certificate, and says so', async () => {
    dir.write({ ...serverFiles(b), key: a.server.key });
    const warned = await eventually(
      () => captured.lines.filter((l) => l.msg === 'TLS files unusable: keeping the ones in use'),
      (lines) => lines.length > 0,
    );
    assert.equal(warned.length > 0, true);
    assert.equal(await outcome(server.address, { ca: a.ca }), 'OK ');
    assert.equal(await outcome(server.address, { ca: b.ca }), 'UNAVAILABLE');
  });
});

describe('a client reading its TLS files', () => {
  const dir = new CertDir();
  const servers = new Map<'a' | 'b', TestServer>();
  let files: PemFiles;
  before(async () => {
    for (const [name, c] of [
      ['a', a],
      ['b', b],
    ] as const) {
      servers.set(name, await startTlsServer({ ...c.server, ca: c.ca, clientCert: 'require' }));
    }
    dir.write(clientFiles(a));
    files = dir.watch(20);
  });
  after(async () => {
    await Promise.all([...servers.values()].map((s) => s.server.shutdown()));
    dir.remove();
  });

  it('trusts a renewed CA and presents a renewed certificate on new connections', async () => {
    const at = (name: 'a' | 'b') => outcome(servers.get(name)!.address, { files });
    assert.equal(await at('a'), 'OK client-a');
    assert.equal(await at('b'), 'UNAVAILABLE');
    // A channel that stays connected keeps the files watched, as a service's clients do.
    const holder = vpcClient(servers.get('a')!.address, { tls: { files } });
    assert.equal((await holder.getVpc({ id: 'x' })).name, 'client-a');

    dir.write(clientFiles(b));
    assert.equal(
      await eventually(
        () => at('b'),
        (o) => o !== 'UNAVAILABLE',
      ),
      'OK client-b',
    );
    assert.equal(await at('a'), 'UNAVAILABLE');
    assert.equal((await holder.getVpc({ id: 'x' })).name, 'client-a');
    holder.close();
  });
});

describe('PemFiles', () => {
  const dir = new CertDir();
  const otherKey = join(dir.path, 'other.key');
  before(() => {
    dir.write(serverFiles(a));
    writeFileSync(otherKey, b.server.key);
  });
  after(() => dir.remove());

  const cases: Array<[string, () => ConstructorParameters<typeof PemFiles>[0], RegExp]> = [
    [
      'a missing file',
      () => ({ certFile: join(dir.path, 'nope'), keyFile: dir.keyFile }),
      /ENOENT/,
    ],
    [
      'a key that does not match the certificate',
      () => ({ certFile: dir.certFile, keyFile: otherKey }),
      /do not hold together/,
    ],
    ['a certificate without its key', () => ({ certFile: dir.certFile }), /go together/],
    ['no files', () => ({}), /no certFile nor caFile/],
    [
      'a refresh interval of 0',
      () => ({ caFile: dir.caFile, refreshIntervalMs: 0 }),
      /refreshIntervalMs must be a whole number >= 1/,
    ],
  ];
  for (const [what, options, error] of cases) {
    it(`refuses ${what} at construction`, () => {
      assert.throws(() => new PemFiles(options()), error);
    });
  }

  it('reads the files a configuration names, and is no reader when it names none', () => {
    assert.equal(PemFiles.fromPaths({ keyFile: undefined, refreshIntervalMs: 5 }), undefined);
    const files = PemFiles.fromPaths({ caFile: dir.caFile });
    assert.ok(files instanceof PemFiles);
    assert.throws(() => PemFiles.fromPaths({ certFile: dir.certFile }), /go together/);
  });

  it('refuses a server without a certificate, or one verifying clients without a CA', async () => {
    const caOnly = new PemFiles({ caFile: dir.caFile });
    await assert.rejects(startTlsServer({ files: caOnly, clientCert: 'none' }), /certificate/);
    const noCa = new PemFiles({ certFile: dir.certFile, keyFile: dir.keyFile });
    await assert.rejects(startTlsServer({ files: noCa, clientCert: 'require' }), /CA bundle/);
  });
});
