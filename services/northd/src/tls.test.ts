import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChassisServiceClient, VpcServiceClient } from '@vpcd/api';
import { createLogger, createRegistry } from '@vpcd/observability';
import { createClient, isRpcError, Status, type ClientTlsOptions } from '@vpcd/rpc';
import { createTestCertificates } from '@vpcd/observability/testing';
import { startHarness, type Harness } from './test-support.js';

describe('northd over TLS', () => {
  const certs = createTestCertificates('hvflowd:hv-tls');
  const dir = mkdtempSync(join(tmpdir(), 'northd-tls-'));
  let h: Harness;
  const base = {
    logger: createLogger({ name: 't', level: 'silent' }),
    registry: createRegistry({ service: 't', collectDefault: false }),
  };

  before(async () => {
    const file = (name: string, pem: Buffer) => {
      writeFileSync(join(dir, name), pem);
      return join(dir, name);
    };
    h = await startHarness({
      GRPC_LISTEN: 'localhost:0',
      TLS_CERT: file('server.crt', certs.server.cert),
      TLS_KEY: file('server.key', certs.server.key),
      TLS_CA: file('ca.crt', certs.ca),
    });
  });
  after(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const address = () => `localhost:${h.northd.grpcPort}`;
  const chassisClient = (tls: ClientTlsOptions) =>
    createClient(ChassisServiceClient, { ...base, address: address(), tls });

  it('takes a verified client certificate as the chassis agent it names, which may register its chassis', async () => {
    const agent = chassisClient({ ca: certs.ca, cert: certs.client.cert, key: certs.client.key });
    const chassis = await agent.registerChassis({
      chassisId: 'hv-tls',
      hostname: 'hv-tls',
      underlayIp: '192.0.2.10',
      hvflowdAddr: 'hv-tls:50053',
      requestId: '',
    });
    assert.equal(chassis.id, 'hv-tls');
    agent.close();
  });

  it('gives a service identity no access to tenant APIs', async () => {
    const agent = createClient(VpcServiceClient, {
      ...base,
      address: address(),
      tls: { ca: certs.ca, cert: certs.client.cert, key: certs.client.key },
    });
    await assert.rejects(
      agent.listVpcs({ pageSize: 0, pageToken: '' }),
      (err) => isRpcError(err) && err.code === Status.PERMISSION_DENIED,
    );
    agent.close();
  });

  it('refuses a client certificate from another CA, and a TLS client with no credentials', async () => {
    const rogue = chassisClient({
      ca: certs.ca,
      cert: certs.rogueClient.cert,
      key: certs.rogueClient.key,
    });
    await assert.rejects(
      rogue.getChassis({ id: 'hv-tls' }),
      (err) => isRpcError(err) && err.code === Status.UNAVAILABLE,
    );
    rogue.close();
    const anonymous = chassisClient({ ca: certs.ca });
    await assert.rejects(
      anonymous.getChassis({ id: 'hv-tls' }),
      (err) => isRpcError(err) && err.code === Status.UNAUTHENTICATED,
    );
    anonymous.close();
  });
});
