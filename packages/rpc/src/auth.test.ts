import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { activePrincipal, serverAuthLayer } from './interceptors/server-auth.js';
import { Status } from './index.js';
import { isRpcError, RpcError } from './rpc-error.js';
import { healthClient } from './testing/health-client.js';
import type { ServerLayer } from './server-layer.js';
import { eventually, startServer, vpc, vpcClient, type TestServer } from './test-support.js';

describe('authentication interceptor', () => {
  let t: TestServer;
  before(async () => {
    const authenticate = async ({ metadata }: { metadata: import('@grpc/grpc-js').Metadata }) => {
      await new Promise((r) => setImmediate(r)); // a lookup takes a turn of the loop
      const header = String(metadata.get('authorization')[0] ?? '');
      if (header === 'Bearer good') return { project: 'p-1' };
      throw new RpcError(Status.UNAUTHENTICATED, 'missing or unknown token');
    };
    t = await startServer({
      layers: [serverAuthLayer(authenticate, (p) => p.startsWith('/grpc.health.'))],
      impl: {
        // Answers with the project of the caller, as the handler sees it.
        getVpc: async () => {
          await new Promise((r) => setImmediate(r));
          return vpc({ projectId: activePrincipal<{ project: string }>()?.project ?? 'none' });
        },
      },
    });
  });
  after(() => t.server.shutdown());

  it('hands the principal to the handler', async () => {
    const client = vpcClient(t.address, { bearerToken: 'good' });
    assert.equal((await client.getVpc({ id: 'x' })).projectId, 'p-1');
    client.close();
  });

  for (const token of [undefined, 'bad']) {
    it(`refuses a call with ${token ? 'an unknown' : 'no'} token as UNAUTHENTICATED, counted`, async () => {
      const client = vpcClient(t.address, token ? { bearerToken: token } : {});
      await assert.rejects(
        client.getVpc({ id: 'x' }),
        (err) => isRpcError(err) && err.code === Status.UNAUTHENTICATED,
      );
      client.close();
    });
  }

  it('lets health checks through without a token', async () => {
    const health = healthClient(t.address);
    assert.equal(await health.check(''), 'SERVING');
    health.close();
  });
});

describe('a server layer that fails at the end of a call', () => {
  let t: TestServer;
  before(async () => {
    const failing: ServerLayer = () => ({
      onEnd: () => {
        throw new Error('layer bug');
      },
    });
    t = await startServer({ layers: [failing] });
  });
  after(() => t.server.shutdown());

  it('is logged, and the call, the server and the other layers go on', async () => {
    const client = vpcClient(t.address);
    assert.equal((await client.getVpc({ id: 'x' })).id, 'x');
    await assert.rejects(
      client.getVpc({ id: 'missing' }),
      (err) => isRpcError(err) && err.code === Status.NOT_FOUND,
    );
    assert.equal((await client.getVpc({ id: 'y' })).id, 'y', 'the server still serves');
    client.close();
    const failures = await eventually(
      () => t.lines.filter((l) => l.msg === 'server layer failed at the end of a call'),
      (l) => l.length >= 3,
    );
    assert.equal(failures.length, 3);
    assert.equal(
      t.lines.filter((l) => l.msg === 'finished call').length,
      3,
      'the logging layer, before it, saw every end',
    );
  });
});
