import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Status } from './index.js';
import { isRpcError } from './rpc-error.js';
import { createTestCertificates } from '@vpcd/observability/testing';
import { startServer, vpcClient, type TestServer } from './test-support.js';

const certs = createTestCertificates('southd');

describe('client TLS serverName', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({
      host: '127.0.0.1',
      tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca, clientCert: 'none' },
    });
  });
  after(() => t.server.shutdown());

  async function outcome(serverName: string | undefined): Promise<string> {
    const client = vpcClient(t.address, {
      tls: { ca: certs.ca, serverName },
      defaultDeadlineMs: 5_000,
    });
    try {
      return (await client.getVpc({ id: 'x' })).id;
    } catch (err) {
      assert.ok(isRpcError(err));
      return Status[err.code];
    } finally {
      client.close();
    }
  }

  it('checks the server certificate against serverName instead of the dialled host', async () => {
    assert.equal(await outcome(undefined), 'x', 'the certificate names 127.0.0.1');
    assert.equal(await outcome('localhost'), 'x', 'and localhost');
    assert.equal(await outcome('hvflowd.vpcd.svc'), 'UNAVAILABLE', 'but not this name');
  });
});
