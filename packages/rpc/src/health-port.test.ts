import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Status } from './index.js';
import { isRpcError } from './rpc-error.js';
import { createTestCertificates } from '@vpcd/observability/testing';
import { healthClient } from './testing/health-client.js';
import {
  rawCall,
  rawClient,
  startServer,
  vpc,
  vpcClient,
  type TestServer,
} from './test-support.js';

const certs = createTestCertificates('southd');
const mutualTls = {
  cert: certs.server.cert,
  key: certs.server.key,
  ca: certs.ca,
  clientCert: 'require' as const,
};
const clientTls = { ca: certs.ca, cert: certs.client.cert, key: certs.client.key };

describe('plaintext health port beside a TLS server', () => {
  let t: TestServer;
  let healthAddress: string;
  before(async () => {
    t = await startServer({ host: 'localhost', tls: mutualTls });
    healthAddress = `127.0.0.1:${await t.server.listenHealth('127.0.0.1:0')}`;
  });
  after(() => t.server.shutdown());

  it('answers a plaintext health check with the server and service status', async () => {
    const health = healthClient(healthAddress);
    try {
      assert.equal(await health.check(''), 'SERVING');
      assert.equal(await health.check('vpc.v1.VpcService'), 'SERVING');
      await assert.rejects(health.check('no.such.Service'), { code: Status.NOT_FOUND });
    } finally {
      health.close();
    }
  });

  it('is needed: the main port refuses a plaintext health check', async () => {
    const health = healthClient(t.address);
    try {
      await assert.rejects(health.check(''), { code: Status.UNAVAILABLE });
    } finally {
      health.close();
    }
  });

  it('serves nothing but health: every other service is UNIMPLEMENTED there', async () => {
    const plain = vpcClient(healthAddress, { defaultDeadlineMs: 5_000 });
    const raw = rawClient(healthAddress);
    try {
      await assert.rejects(
        plain.getVpc({ id: 'x' }),
        (err) => isRpcError(err) && err.code === Status.UNIMPLEMENTED,
      );
      const reflection = await rawCall(
        raw,
        '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
        Buffer.alloc(0),
      );
      assert.equal(reflection.code, Status.UNIMPLEMENTED);
    } finally {
      plain.close();
      raw.close();
    }
    const tls = vpcClient(t.address, { tls: clientTls, defaultDeadlineMs: 5_000 });
    try {
      assert.equal((await tls.getVpc({ id: 'x' })).id, 'x', 'the TLS port serves them');
    } finally {
      tls.close();
    }
  });
});

describe('plaintext health port during drain', () => {
  it('reports NOT_SERVING while the server drains, then closes with it', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const started = new Promise<void>((r) => (entered = r));
    const t = await startServer({
      host: 'localhost',
      tls: mutualTls,
      shutdownTimeoutMs: 60_000,
      impl: {
        getVpc: async () => {
          entered();
          await released;
          return vpc({ name: 'finished' });
        },
      },
    });
    const healthAddress = `127.0.0.1:${await t.server.listenHealth('127.0.0.1:0')}`;
    const health = healthClient(healthAddress);
    const client = vpcClient(t.address, { tls: clientTls, defaultDeadlineMs: 60_000 });
    try {
      assert.equal(await health.check(''), 'SERVING');
      const inFlight = client.getVpc({ id: 'slow' });
      await started;
      const stopped = t.server.shutdown();
      assert.equal(await health.check(''), 'NOT_SERVING');
      assert.equal(await health.check('vpc.v1.VpcService'), 'NOT_SERVING');
      release();
      assert.equal((await inFlight).name, 'finished', 'the call in flight completes');
      await stopped;
      await assert.rejects(health.check(''), { code: Status.UNAVAILABLE });
    } finally {
      release();
      client.close();
      health.close();
      await t.server.shutdown();
    }
  });

  it('closes with a forced shutdown, open Watch streams included', async () => {
    const t = await startServer({ host: 'localhost', tls: mutualTls });
    const healthAddress = `127.0.0.1:${await t.server.listenHealth('127.0.0.1:0')}`;
    const health = healthClient(healthAddress);
    try {
      const watch = health.watch('');
      const ended = new Promise<number | undefined>((resolve) => {
        watch.on('data', () => undefined);
        watch.on('error', (err: { code?: number }) => resolve(err.code));
        watch.on('end', () => resolve(undefined));
      });
      assert.equal(await health.check(''), 'SERVING');
      t.server.forceShutdown();
      assert.notEqual(await ended, Status.OK);
      await assert.rejects(health.check(''), { code: Status.UNAVAILABLE });
    } finally {
      health.close();
    }
  });
});
