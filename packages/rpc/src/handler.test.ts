import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Status } from './index.js';
import { isRpcError, RpcError } from './rpc-error.js';
import { eventually, startServer, vpcClient, type TestServer } from './test-support.js';

describe('async handlers', () => {
  let t: TestServer;
  let client: ReturnType<typeof vpcClient>;
  before(async () => {
    t = await startServer({
      impl: {
        getVpc: (req) => {
          if (req.id === 'sync-throw') throw new Error('sync failure detail');
          if (req.id === 'conflict') {
            return Promise.reject(new RpcError(Status.ALREADY_EXISTS, 'vpc "blue" exists'));
          }
          return Promise.reject(new Error('db exploded: password=hunter2'));
        },
      },
    });
    client = vpcClient(t.address);
  });
  after(async () => {
    client.close();
    await t.server.shutdown();
  });

  const failure = async (id: string) => {
    try {
      await client.getVpc({ id });
    } catch (err) {
      assert.ok(isRpcError(err));
      return { code: err.code, message: err.message };
    }
    assert.fail('the call succeeded');
  };

  it('sends an RpcError as its code and message', async () => {
    assert.deepEqual(await failure('conflict'), {
      code: Status.ALREADY_EXISTS,
      message: 'vpc "blue" exists',
    });
  });

  it('turns any other error into INTERNAL without its detail, and logs it', async () => {
    assert.deepEqual(await failure('boom'), { code: Status.INTERNAL, message: 'internal error' });
    const logged = await eventually(
      () => t.lines.filter((l) => l.msg === 'handler failed'),
      (l) => l.length > 0,
    );
    assert.match(JSON.stringify(logged[0]), /db exploded/);
  });

  it('treats a synchronous throw like a rejection', async () => {
    assert.deepEqual(await failure('sync-throw'), {
      code: Status.INTERNAL,
      message: 'internal error',
    });
  });

  it('normalises anything thrown with RpcError.from', () => {
    assert.equal(RpcError.from(new Error('x')).code, Status.INTERNAL);
    const rpc = new RpcError(Status.NOT_FOUND, 'gone');
    assert.equal(RpcError.from(rpc), rpc);
    assert.equal(RpcError.from('a string').code, Status.INTERNAL);
  });
});
