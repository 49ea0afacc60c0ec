// AMQPS on a private RabbitMQ node with a TLS listener that requires client certificates.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestCertificates } from '@vpcd/observability/testing';
import { Registry } from 'prom-client';
import { createBroker, type BrokerOptions } from './index.js';
import { captureLogger, eventually, silentLogger } from './test-support.js';
import { privateRabbitmq, type PrivateRabbitmq } from './testing/index.js';

describe('amqps', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vpcd-amqps-'));
  const file = (name: string, content: Buffer) => {
    writeFileSync(join(dir, name), content, { mode: 0o600 });
    return join(dir, name);
  };
  const certs = createTestCertificates('southd');
  const files = {
    ca: file('ca.crt', certs.ca),
    serverCert: file('server.crt', certs.server.cert),
    serverKey: file('server.key', certs.server.key),
    clientCert: file('client.crt', certs.client.cert),
    clientKey: file('client.key', certs.client.key),
    rogueCa: file('rogue-ca.crt', certs.rogueCa),
  };
  let node: PrivateRabbitmq;

  before(async () => {
    node = await privateRabbitmq({
      tls: { certFile: files.serverCert, keyFile: files.serverKey, caFile: files.ca },
    });
  });
  after(async () => {
    await node?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes and consumes over TLS with the CA and a client certificate', async () => {
    const broker = createBroker({
      url: node.tlsUrl!,
      logger: silentLogger(),
      registry: new Registry(),
      tls: { caFile: files.ca, certFile: files.clientCert, keyFile: files.clientKey },
    });
    try {
      await broker.start({ queues: [{ name: 'tls-work', kind: 'quorum' }] });
      const got: string[] = [];
      await broker.consume('tls-work', (d) => {
        got.push(d.body.toString());
        return Promise.resolve('ack');
      });
      await broker.publish('', 'tls-work', Buffer.from('over tls'));
      await eventually(() => got.length === 1, 'delivered');
      assert.deepEqual(got, ['over tls']);
    } finally {
      await broker.close();
    }
  });

  // Each connects, fails and retries until closed: it never gets a connection.
  const neverConnects = async (tls: BrokerOptions['tls']) => {
    const { logger, lines } = captureLogger();
    const broker = createBroker({
      url: node.tlsUrl!,
      logger,
      registry: new Registry(),
      reconnect: { initialDelayMs: 50, maxDelayMs: 100 },
      tls,
    });
    const started = broker.start({});
    await eventually(
      () => lines.filter((l) => l.msg === 'cannot connect; retrying').length >= 2,
      'two failed attempts',
    );
    assert.equal(broker.connected, false);
    await broker.close();
    await assert.rejects(started, /closed/);
  };

  it('does not connect without a client certificate', () => neverConnects({ caFile: files.ca }));

  it('does not connect to a broker whose certificate its CA did not sign', () =>
    neverConnects({ caFile: files.rogueCa, certFile: files.clientCert, keyFile: files.clientKey }));
});
