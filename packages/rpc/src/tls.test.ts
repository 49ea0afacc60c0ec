import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Status } from './index.js';
import { isRpcError } from './rpc-error.js';
import { createTestCertificates } from '@vpcd/observability/testing';
import { startServer, vpcClient, vpc, type TestServer } from './test-support.js';
import type { ClientCertMode } from './tls.js';

const certs = createTestCertificates('southd');

function clientTls(kind: 'none' | 'valid' | 'rogue', ca = certs.ca) {
  const pair = kind === 'valid' ? certs.client : kind === 'rogue' ? certs.rogueClient : undefined;
  return { ca, cert: pair?.cert, key: pair?.key };
}

async function outcome(address: string, tls: ReturnType<typeof clientTls>): Promise<string> {
  const client = vpcClient(address, { tls, defaultDeadlineMs: 5_000 });
  try {
    const v = await client.getVpc({ id: 'x' });
    return `OK ${v.name}`;
  } catch (err) {
    assert.ok(isRpcError(err));
    return Status[err.code];
  } finally {
    client.close();
  }
}

describe('TLS', () => {
  const servers = new Map<ClientCertMode, TestServer>();
  before(async () => {
    for (const clientCert of ['none', 'optional', 'require'] as const) {
      servers.set(
        clientCert,
        await startServer({
          host: 'localhost',
          tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.ca, clientCert },
          impl: {
            // Answers with the verified client identity, if any.
            getVpc: (_req, call) =>
              Promise.resolve(
                vpc({ name: String(call.getAuthContext().sslPeerCertificate?.subject?.CN ?? '') }),
              ),
          },
        }),
      );
    }
  });
  after(async () => {
    await Promise.all([...servers.values()].map((s) => s.server.shutdown()));
  });

  const cases: Array<[ClientCertMode, 'none' | 'valid' | 'rogue', string]> = [
    ['none', 'none', 'OK '],
    ['optional', 'none', 'OK '],
    ['optional', 'valid', 'OK southd'],
    ['optional', 'rogue', 'UNAVAILABLE'],
    ['require', 'valid', 'OK southd'],
    ['require', 'none', 'UNAVAILABLE'],
    ['require', 'rogue', 'UNAVAILABLE'],
  ];
  for (const [mode, client, want] of cases) {
    it(`server requiring ${mode} client cert, client with ${client} cert: ${want}`, async () => {
      assert.equal(await outcome(servers.get(mode)!.address, clientTls(client)), want);
    });
  }

  it('refuses a server whose certificate the client does not trust', async () => {
    const got = await outcome(servers.get('none')!.address, clientTls('none', certs.rogueCa));
    assert.equal(got, 'UNAVAILABLE');
  });

  it('refuses a plaintext client', async () => {
    const client = vpcClient(servers.get('none')!.address, { defaultDeadlineMs: 5_000 });
    await assert.rejects(
      client.getVpc({ id: 'x' }),
      (err) => isRpcError(err) && err.code === Status.UNAVAILABLE,
    );
    client.close();
  });
});
