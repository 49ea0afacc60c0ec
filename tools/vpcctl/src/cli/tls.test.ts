import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestCertificates } from '@vpcd/observability/testing';
import { startNorthdHarness, type NorthdHarness } from '../testing/index.js';
import { vpcctl } from '../test-support.js';

describe('vpcctl over TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcctl-tls-'));
  const certs = createTestCertificates('hvflowd:hv-cli');
  const file = (name: string, pem: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, pem);
    return path;
  };
  let h: NorthdHarness;
  let env: Record<string, string>;

  before(async () => {
    h = await startNorthdHarness({
      TLS_CERT: file('server.crt', certs.server.cert),
      TLS_KEY: file('server.key', certs.server.key),
      TLS_CA: file('ca.crt', certs.ca),
    });
    env = { NORTHD_ADDR: h.address, VPCD_TOKEN: h.adminToken };
  });
  after(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the server with --tls-ca', async () => {
    const r = await vpcctl(['chassis', 'list', '--tls-ca', join(dir, 'ca.crt')], env);
    assert.equal(r.code, 0, r.stderr);
  });

  it('presents a client certificate with --tls-cert and --tls-key', async () => {
    // The certificate is the credential: a chassis agent's, which may register its own chassis.
    const r = await vpcctl(
      [
        ...['chassis', 'register', 'hv-cli', '--underlay-ip', '192.0.2.20'],
        ...['--hvflowd-addr', 'hv-cli:50053', '--tls-ca', join(dir, 'ca.crt')],
        ...['--tls-cert', file('client.crt', certs.client.cert)],
        ...['--tls-key', file('client.key', certs.client.key)],
      ],
      { NORTHD_ADDR: h.address },
    );
    assert.equal(r.code, 0, r.stderr);
  });

  it('is refused when it presents both a client certificate and a token', async () => {
    const r = await vpcctl(
      [
        ...['chassis', 'list', '--tls-ca', join(dir, 'ca.crt')],
        ...['--tls-cert', file('client.crt', certs.client.cert)],
        ...['--tls-key', file('client.key', certs.client.key)],
      ],
      env,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vpcctl: UNAUTHENTICATED: both a client certificate/);
  });

  it('fails on one line when the server certificate does not verify', async () => {
    const r = await vpcctl(
      ['chassis', 'list', '--tls-ca', file('rogue.crt', certs.rogueCa), '--timeout', '5s'],
      env,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vpcctl: UNAVAILABLE: .*\n$/);
  });

  it('fails in plaintext against a TLS server', async () => {
    const r = await vpcctl(['chassis', 'list', '--timeout', '5s'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vpcctl: (UNAVAILABLE|INTERNAL): /);
  });
});
