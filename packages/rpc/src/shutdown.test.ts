import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Status } from './index.js';
import { isRpcError } from './rpc-error.js';
import { healthClient } from './testing/health-client.js';
import { startServer, vpc, vpcClient } from './test-support.js';

/** A handler that waits until the test releases it. */
function gate() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const started = new Promise<void>((r) => (entered = r));
  return { release, released, started, entered };
}

describe('health and graceful shutdown', () => {
  it('serves grpc.health.v1.Health for the server and each service', async () => {
    const t = await startServer();
    const health = healthClient(t.address);
    assert.equal(await health.check(''), 'SERVING');
    assert.equal(await health.check('vpc.v1.VpcService'), 'SERVING');
    await assert.rejects(health.check('no.such.Service'), { code: Status.NOT_FOUND });
    health.close();
    await t.server.shutdown();
  });

  it('reports NOT_SERVING, lets the call in flight finish, then stops', async () => {
    const g = gate();
    const t = await startServer({
      shutdownTimeoutMs: 60_000,
      impl: {
        getVpc: async () => {
          g.entered();
          await g.released;
          return vpc({ name: 'finished' });
        },
      },
    });
    const client = vpcClient(t.address, { defaultDeadlineMs: 60_000 });
    const health = healthClient(t.address);
    const statuses: string[] = [];
    const watch = health.watch('');
    const notServing = new Promise<void>((resolve) =>
      watch.on('data', (m: { status: string }) => {
        statuses.push(m.status);
        if (m.status === 'NOT_SERVING') resolve();
      }),
    );
    watch.on('error', () => undefined);

    const inFlight = client.getVpc({ id: 'slow' });
    await g.started;
    const stopped = t.server.shutdown();
    await notServing;
    assert.deepEqual(statuses, ['SERVING', 'NOT_SERVING']);
    watch.cancel();
    g.release();
    assert.equal((await inFlight).name, 'finished', 'the call in flight completes');
    await stopped;
    await assert.rejects(
      client.getVpc({ id: 'after' }, { deadlineMs: 2_000 }),
      (err) => isRpcError(err) && err.code === Status.UNAVAILABLE,
    );
    client.close();
    health.close();
  });

  it('cancels calls still running when the shutdown deadline passes', async () => {
    const g = gate();
    const t = await startServer({
      shutdownTimeoutMs: 200,
      impl: {
        getVpc: async () => {
          g.entered();
          await new Promise(() => undefined); // never answers
          return vpc();
        },
      },
    });
    const client = vpcClient(t.address, { defaultDeadlineMs: 60_000 });
    const hung = client.getVpc({ id: 'hung' });
    await g.started;
    await t.server.shutdown();
    await assert.rejects(hung, (err) => isRpcError(err) && err.code !== Status.OK);
    client.close();
  });
});
