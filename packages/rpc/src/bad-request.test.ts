import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fieldViolations, invalidArgument } from './bad-request.js';
import { Status } from './index.js';
import { isRpcError } from './rpc-error.js';
import { startServer, vpcClient, type TestServer } from './test-support.js';

describe('INVALID_ARGUMENT with field violations', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({
      impl: {
        createVpc: () =>
          Promise.reject(
            invalidArgument([
              { field: 'cidr', description: 'host bits set in 10.0.0.1/16' },
              { field: 'name', description: 'not a DNS label' },
            ]),
          ),
      },
    });
  });
  after(() => t.server.shutdown());

  it('reaches the client as google.rpc.BadRequest details', async () => {
    const client = vpcClient(t.address);
    await assert.rejects(
      client.createVpc({ name: 'X', cidr: '10.0.0.1/16', requestId: '', projectId: '' }),
      (err) => {
        assert.ok(isRpcError(err));
        assert.equal(err.code, Status.INVALID_ARGUMENT);
        assert.deepEqual(fieldViolations(err.metadata), [
          { field: 'cidr', description: 'host bits set in 10.0.0.1/16' },
          { field: 'name', description: 'not a DNS label' },
        ]);
        return true;
      },
    );
    client.close();
  });
});
